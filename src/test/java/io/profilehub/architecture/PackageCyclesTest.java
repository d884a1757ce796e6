package io.profilehub.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages depend on each other in one direction (ARCHITECTURE.md draws it). A new cycle between feature
 * packages, or a lower layer reaching up, fails here with the classes that close it.
 */
class PackageCyclesTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.profilehub");
    }

    @Test
    void featurePackagesHaveNoCycles() {
        // Micronaut's generated $Definition classes live beside the classes they describe, so they count too.
        slices().matching("io.profilehub.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theFoundationDependsOnNoFeature() {
        noClasses().that().resideInAnyPackage("io.profilehub.http..", "io.profilehub.ids..", "io.profilehub.database..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.profilehub.auth..", "io.profilehub.profile..", "io.profilehub.outbox..",
                        "io.profilehub.erasure..", "io.profilehub.sync..", "io.profilehub.destination..",
                        "io.profilehub.identity..", "io.profilehub.suppression..", "io.profilehub.console..",
                        "io.profilehub.feed..")
                .check(classes);
    }

    @Test
    void thePullFeedOnlyReadsTheChangeLogAndHearsItsCommits() {
        // feed/ serves the log as it is: it must not reach into the write paths or the operators' API.
        noClasses().that().resideInAnyPackage("io.profilehub.feed..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.profilehub.profile..", "io.profilehub.erasure..", "io.profilehub.merge..",
                        "io.profilehub.sync..", "io.profilehub.history..", "io.profilehub.export..",
                        "io.profilehub.destination..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("io.profilehub.feed..")
                .should().dependOnClassesThat().resideInAnyPackage("io.profilehub.feed..")
                .check(classes);
    }

    @Test
    void theDeliveryEngineKnowsNothingOfTheApiAboveIt() {
        noClasses().that().resideInAnyPackage("io.profilehub.outbox..", "io.profilehub.destination..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.profilehub.profile..", "io.profilehub.erasure..", "io.profilehub.sync..",
                        "io.profilehub.auth..", "io.profilehub.feed..")
                .check(classes);
    }
}
