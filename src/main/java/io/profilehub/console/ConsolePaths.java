package io.profilehub.console;

/** The pages the service serves to browsers: the operator console and the API reference. */
public final class ConsolePaths {
    private ConsolePaths() {
    }

    /**
     * Static files that need no API key: the pages hold no data, and every call they make carries the key the
     * operator typed in, so scopes and workspace isolation apply to it as to any client.
     */
    public static boolean isPublicPage(String path) {
        return under(path, "/console") || under(path, "/docs");
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
