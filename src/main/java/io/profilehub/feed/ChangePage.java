package io.profilehub.feed;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.profilehub.http.Page;

/**
 * An answer of GET /changes: the changes (each the webhook's document plus its {@code cursor}), the cursor to
 * resume after the last of them (the one given when there were none: the feed has no last page), and the listings'
 * {@code meta}, whose nextPageUrl is always that of the next read.
 *
 * @param data the JSON array of the changes, made once by ChangeFeed from PostgreSQL's text of each document (not
 *             parsed and written again as trees: that was most of the service's CPU per page)
 */
record ChangePage(@JsonRawValue String data, String nextCursor, Page.Meta meta) {
}
