package io.profilehub.console;

/** The pages the service serves to browsers: the operator console and the API reference. */
public final class ConsolePaths {
    private ConsolePaths() {
    }

    /**
     * Static files that need no API key: the pages hold no data, and every call they make carries the key the
     * operator typed in, so scopes and workspace isolation apply to it as to any client. Browsers ask for
     * /favicon.ico on their own, without a key: it answers without one rather than a 401 on every page load.
     */
    public static boolean isPublicPage(String path) {
        return under(path, "/console") || under(path, "/docs") || path.equals(FaviconController.PATH);
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
