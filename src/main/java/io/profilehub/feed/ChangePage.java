package io.profilehub.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.Page;

import java.util.List;

/**
 * An answer of GET /changes: the changes (each the webhook's document plus its {@code cursor}), the cursor to
 * resume after the last of them (the one given when there were none: the feed has no last page), and the listings'
 * {@code meta}, whose nextPageUrl is always that of the next read.
 */
record ChangePage(List<ObjectNode> data, String nextCursor, Page.Meta meta) {
}
