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

    @Test
    void theFoundationDependsOnNoFeature() {
        noClasses().that().resideInAnyPackage("io.profilehub.http..", "io.profilehub.ids..", "io.profilehub.database..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.profilehub.auth..", "io.profilehub.profile..", "io.profilehub.outbox..",
                        "io.profilehub.erasure..", "io.profilehub.sync..", "io.profilehub.destination..",
                        "io.profilehub.identity..", "io.profilehub.suppression..", "io.profilehub.console..")
                .check(classes);
    }

    @Test
    void theDeliveryEngineKnowsNothingOfTheApiAboveIt() {
        noClasses().that().resideInAnyPackage("io.profilehub.outbox..", "io.profilehub.destination..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.profilehub.profile..", "io.profilehub.erasure..", "io.profilehub.sync..",
                        "io.profilehub.auth..")
                .check(classes);
    }
}
