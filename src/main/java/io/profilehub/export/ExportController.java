package io.profilehub.export;

import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.ProblemException;
import io.profilehub.ids.ProfileIds;

/** GET /identify/{id}/export: a person's data for a GDPR article 15 (access) or 20 (portability) request. */
@Controller
public class ExportController {
    private final ExportService exports;

    public ExportController(ExportService exports) {
        this.exports = exports;
    }

    /** Streamed as it is written (see {@link ExportService}): its size is not known in advance. */
    @Get("/identify/{userId}/export")
    @RequiresScope(Scope.PROFILES_EXPORT)
    public StreamedFile export(Caller caller, @PathVariable String userId) {
        ProfileIds.require(userId);
        return new StreamedFile(exports.export(caller.workspaceId(), userId).orElseThrow(() ->
                ProblemException.notFound("No user with id " + userId + " exists in this workspace.")),
                MediaType.APPLICATION_JSON_TYPE);
    }
}
