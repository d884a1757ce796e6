package io.profilehub.feed;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Where a reader of the feed stands: for each lane of the change log, the id of the last change of that lane it was
 * given (0: none yet). A vector rather than one number because ids are taken when a change is numbered, not when it
 * commits: see db/V36__change_feed.sql for why a per-lane position never skips a change.
 *
 * <p>Written compactly, since every item of a page carries one: the highest id, then per lane its distance below it
 * plus one (0 for a lane not read yet), as unsigned varints. A reader keeping up has every lane close to the top, so
 * most lanes take one or two bytes.
 */
final class FeedPosition {
    /** change_lane() hashes into 64 lanes (db/V18): a fixed number, so a position always has 64 entries. */
    static final int LANES = 64;
    private static final int FORMAT = 1;

    private final long[] lastIds;

    private FeedPosition(long[] lastIds) {
        this.lastIds = lastIds;
    }

    static FeedPosition start() {
        return new FeedPosition(new long[LANES]);
    }

    long lastId(int lane) {
        return lastIds[lane];
    }

    /** The position after a change of {@code lane} with id {@code id}. */
    FeedPosition after(int lane, long id) {
        long[] next = lastIds.clone();
        next[lane] = id;
        return new FeedPosition(next);
    }

    byte[] bytes() {
        long top = Arrays.stream(lastIds).max().orElse(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream(LANES * 2 + 10);
        out.write(FORMAT);
        varint(out, top);
        for (long id : lastIds) {
            varint(out, id == 0 ? 0 : top - id + 1);
        }
        return out.toByteArray();
    }

    /** @throws IllegalArgumentException when the bytes are not a position this class wrote */
    static FeedPosition of(byte[] bytes) {
        int[] at = {0};
        if (bytes.length == 0 || bytes[at[0]++] != FORMAT) {
            throw new IllegalArgumentException("unknown format");
        }
        long top = readVarint(bytes, at);
        long[] ids = new long[LANES];
        for (int lane = 0; lane < LANES; lane++) {
            long below = readVarint(bytes, at);
            if (below > top) {
                throw new IllegalArgumentException("lane below zero");
            }
            ids[lane] = below == 0 ? 0 : top - below + 1;
        }
        if (at[0] != bytes.length) {
            throw new IllegalArgumentException("trailing bytes");
        }
        return new FeedPosition(ids);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long readVarint(byte[] bytes, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            if (at[0] >= bytes.length) {
                throw new IllegalArgumentException("truncated");
            }
            byte b = bytes[at[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (value < 0) {
                    throw new IllegalArgumentException("negative");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeedPosition p && Arrays.equals(lastIds, p.lastIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(lastIds);
    }
}
