package io.profilehub;

import io.micronaut.runtime.Micronaut;
import io.profilehub.database.EmbeddedPostgresLauncher;

public class Application {
    public static void main(String[] args) {
        Micronaut.build(args)
                .mainClass(Application.class)
                .properties(EmbeddedPostgresLauncher.startIfNoDatabase(args))
                .start();
    }
}
