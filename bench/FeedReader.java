import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reader of GET /changes, as a consumer would read it: page after page from the start (or a cursor) until an
 * answer comes back with fewer than `limit` changes. Prints "changes=N seconds=S rate=R pages=P bytes=B" on one line.
 * Usage: java bench/FeedReader.java BASE_URL KEY LIMIT
 * No JSON library (a single-file program): it counts items by their "cursor" member and takes "nextCursor".
 */
public class FeedReader {
    private static final Pattern NEXT = Pattern.compile("\"nextCursor\":\"([A-Za-z0-9_.-]+)\"");
    private static final Pattern ITEM = Pattern.compile("\"cursor\": ?\"");

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String key = args[1];
        int limit = Integer.parseInt(args[2]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String after = null;
        long changes = 0;
        long pages = 0;
        long bytes = 0;
        long started = System.nanoTime();
        while (true) {
            String url = base + "/changes?limit=" + limit + (after == null ? "" : "&after=" + after);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(r.statusCode() + " " + r.body());
            }
            String body = r.body();
            bytes += body.length();
            pages++;
            int n = 0;
            Matcher items = ITEM.matcher(body);
            while (items.find()) {
                n++;
            }
            changes += n;
            Matcher next = NEXT.matcher(body);
            if (!next.find()) {
                throw new IllegalStateException("no nextCursor in " + body.substring(0, Math.min(200, body.length())));
            }
            after = next.group(1);
            if (n < limit) {
                break;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("changes=%d seconds=%.2f rate=%.0f pages=%d bytes=%d%n", changes, seconds, changes / seconds,
                pages, bytes);
    }
}
