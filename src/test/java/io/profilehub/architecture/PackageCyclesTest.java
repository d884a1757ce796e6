package io.profilehub.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages depend on each other in one direction (ARCHITECTURE.md draws it, one row per layer). A new cycle
 * between feature packages, a package reaching up or sideways, or a package missing from the picture fails here
 * with the classes that close it.
 */
class PackageCyclesTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        // From the directory (or jar) the production classes were compiled to: importPackages looks for the package
        // in every jar of the test class path too, which took most of this test's time on a busy machine.
        java.net.URL production = io.profilehub.Application.class.getProtectionDomain().getCodeSource().getLocation();
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importUrl(production);
    }

    @Test
    void featurePackagesHaveNoCycles() {
        // Micronaut's generated $Definition classes live beside the classes they describe, so they count too.
        slices().matching("io.profilehub.(**)").should().beFreeOfCycles().check(classes);
    }

    /**
     * ARCHITECTURE.md's picture, top row first: a package may use the packages of the rows below its own, never one
     * beside it or above it. Every package under io.profilehub is in exactly one row (a new one fails here until it
     * is placed in the picture); Application, at the root, may use them all.
     */
    static final List<List<String>> ROWS = List.of(
            List.of("export", "sync", "feed"),
            List.of("history"),
            List.of("merge"),
            List.of("erasure"),
            List.of("profile"),
            List.of("outbox"),
            List.of("destination"),
            List.of("auth", "suppression"),
            List.of("identity", "console", "operations", "database"),
            List.of("ids"),
            List.of("http"));

    @Test
    void eachPackageUsesOnlyTheRowsBelowIt() {
        LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers().withOptionalLayers(true)
                .layer("application").definedBy(resideInAPackage("io.profilehub"));
        for (List<String> row : ROWS) {
            for (String name : row) {
                layers = layers.layer(name).definedBy("io.profilehub." + name + "..");
            }
        }
        List<String> above = new ArrayList<>(List.of("application"));
        for (List<String> row : ROWS) {
            for (String name : row) {
                layers = layers.whereLayer(name).mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
            }
            above.addAll(row);
        }
        layers.check(classes);
    }

    @Test
    void everyPackageIsInThePicture() {
        Set<String> placed = ROWS.stream().flatMap(List::stream).collect(Collectors.toSet());
        Set<String> present = classes.stream().map(c -> c.getPackageName())
                .filter(p -> p.startsWith("io.profilehub."))
                .map(p -> p.substring("io.profilehub.".length()).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        present.removeAll(placed);
        assertEquals(Set.of(), present, "packages missing from ROWS and ARCHITECTURE.md's picture");
    }

    @Test
    void thePullFeedOnlyReadsTheChangeLogAndHearsItsCommits() {
        // feed/ serves the log as it is: of the rows below it, it must not reach into the write paths.
        noClasses().that().resideInAnyPackage("io.profilehub.feed..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.profilehub.profile..", "io.profilehub.erasure..", "io.profilehub.merge..",
                        "io.profilehub.history..", "io.profilehub.destination..")
                .check(classes);
    }
}
