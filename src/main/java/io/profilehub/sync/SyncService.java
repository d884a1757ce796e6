package io.profilehub.sync;

import io.profilehub.ids.RandomTokens;
import io.profilehub.outbox.OutboxSignal;
import io.profilehub.outbox.ChangeLogWriter;
import io.profilehub.outbox.DestinationStateRepository;
import io.micronaut.http.HttpStatus;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Destinations;
import io.profilehub.http.ProblemException;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/** What operators can see and do with the outbox, always within their own workspace. */
@Singleton
public class SyncService {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
    private static final int BACKFILL_PAGE = 1000;

    private final TransactionOperations<Connection> tx;
    private final SyncRepository repository;
    private final BackfillJobRepository jobs;
    private final DestinationStateRepository states;
    private final Destinations destinations;
    private final ExecutorService background;
    private final OutboxSignal outboxSignal;
    private final ChangeLogWriter changeLog;

    public SyncService(TransactionOperations<Connection> tx, SyncRepository repository, BackfillJobRepository jobs,
                       DestinationStateRepository states, Destinations destinations,
                       @Named(TaskExecutors.BLOCKING) ExecutorService background, OutboxSignal outboxSignal,
                       ChangeLogWriter changeLog) {
        this.changeLog = changeLog;
        this.outboxSignal = outboxSignal;
        this.tx = tx;
        this.repository = repository;
        this.jobs = jobs;
        this.states = states;
        this.destinations = destinations;
        this.background = background;
    }

    public DestinationSettings destination(String workspaceId, String name) {
        return destinations.get(name).filter(d -> d.workspaces().isEmpty() || d.workspaces().contains(workspaceId))
                .orElseThrow(() -> ProblemException.notFound("No destination named '" + name
                        + "' serves this workspace; GET /sync/destinations lists them."));
    }

    /**
     * A pause stops the destination for every workspace it serves, so a workspace's admin may pause or resume only
     * a destination that serves that workspace alone; any other is an operator's (management port).
     */
    public void setPaused(String workspaceId, String name, boolean paused) {
        DestinationSettings settings = destination(workspaceId, name);
        if (!Set.copyOf(settings.workspaces()).equals(Set.of(workspaceId))) {
            throw new ProblemException(HttpStatus.FORBIDDEN, "forbidden", "Destination '" + name + "' serves "
                    + (settings.workspaces().isEmpty() ? "every workspace" : "other workspaces too")
                    + ", so pausing or resuming it would stop or restart their deliveries as well; only an operator "
                    + "can, on the management port (POST /destinations/" + name + "/" + (paused ? "pause" : "resume")
                    + ").");
        }
        setPausedByOperator(name, paused);
    }

    /** Pauses or resumes a destination for every workspace it serves: an operator's action. */
    public void setPausedByOperator(String name, boolean paused) {
        tx.executeWrite(status -> {
            states.setPaused(status.getConnection(), name, paused, paused ? "paused by an operator" : null);
            return null;
        });
        outboxSignal.stateChanged(name);
    }

    /** Sends dead letters again, as new changes for their destination, and wakes it. Returns how many. */
    public int retryDead(String workspaceId, Long id, SyncRepository.DeadLetterFilter filter) {
        List<SyncRepository.Retried> retried = tx.executeWrite(status -> {
            Connection c = status.getConnection();
            List<SyncRepository.Retried> chosen = repository.retryDead(c, workspaceId, id, filter);
            changeLog.append(c, chosen.stream().map(SyncRepository.Retried::change).filter(Objects::nonNull).toList());
            return chosen;
        });
        Set<String> woken = new LinkedHashSet<>();
        retried.forEach(r -> woken.add(r.destination()));
        woken.forEach(outboxSignal::destinationChanged);
        return retried.size();
    }

    /* A running backfill updates its job after every page: this long without, its instance stopped. */
    static final int STALE_BACKFILL_SECONDS = 300;

    /**
     * Starts enqueuing a full upsert of every profile for one destination, page by page, in the background; one at a
     * time per destination and workspace (409 naming the running one).
     */
    public BackfillJob startBackfill(String workspaceId, String destination) {
        DestinationSettings settings = destination(workspaceId, destination);
        if (!settings.servesWorkspace(workspaceId)) {
            throw new ProblemException(io.micronaut.http.HttpStatus.CONFLICT, "conflict",
                    "Destination '" + destination + "' is disabled; enable it before backfilling.");
        }
        String jobId = RandomTokens.of("bf_", 16);
        BackfillJob job;
        try {
            job = tx.executeWrite(status -> {
                jobs.endStale(workspaceId, destination, STALE_BACKFILL_SECONDS);
                Optional<BackfillJob> running = jobs.running(workspaceId, destination);
                if (running.isPresent()) {
                    throw alreadyRunning(destination, running.get().id());
                }
                return jobs.insert(workspaceId, jobId, destination);
            });
        } catch (RuntimeException e) {
            if (!uniqueViolation(e)) {
                throw e;
            }
            // Another request started one between the read and the insert: the unique index (db/V26) kept it out.
            String first = tx.executeRead(status -> jobs.running(workspaceId, destination))
                    .map(BackfillJob::id).orElse("another one");
            throw alreadyRunning(destination, first);
        }
        background.execute(() -> runBackfill(workspaceId, jobId, destination));
        return job;
    }

    private static ProblemException alreadyRunning(String destination, String first) {
        return ProblemException.conflict("A backfill of destination '" + destination + "' is already running in this "
                + "workspace: " + first + " (GET /sync/backfills/" + first + "). One runs at a time per destination; "
                + "start another once it has finished.", java.util.Map.of("backfillId", first));
    }

    private static boolean uniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private void runBackfill(String workspaceId, String jobId, String destination) {
        long enqueued = 0;
        String after = "";
        try {
            while (true) {
                String from = after;
                SyncRepository.BackfillPage page = tx.executeWrite(status -> {
                    SyncRepository.BackfillPage next = repository.backfillPage(status.getConnection(), workspaceId,
                            destination, from, BACKFILL_PAGE);
                    changeLog.append(status.getConnection(), next.changes());
                    return next;
                });
                enqueued += page.enqueued();
                if (page.enqueued() == 0) {
                    break;
                }
                outboxSignal.destinationChanged(destination);
                after = page.lastProfileId();
                long total = enqueued;
                String last = after;
                tx.executeWrite(status -> jobs.update(workspaceId, jobId, BackfillStatus.RUNNING, total, last, null));
            }
            long total = enqueued;
            String last = after;
            tx.executeWrite(status -> jobs.update(workspaceId, jobId, BackfillStatus.COMPLETED, total, last, null));
            LOG.info("Backfill {} of workspace {} to {} enqueued {} profiles", jobId, workspaceId, destination, enqueued);
        } catch (RuntimeException e) {
            // The class only: a database error's message may quote profile values.
            LOG.warn("Backfill {} to {} failed after {} profiles: {}", jobId, destination, enqueued,
                    e.getClass().getName());
            long total = enqueued;
            String last = after;
            tx.executeWrite(status -> jobs.update(workspaceId, jobId, BackfillStatus.FAILED, total, last,
                    "stopped by " + e.getClass().getSimpleName() + "; start a new backfill"));
        }
    }

    public BackfillJob job(String workspaceId, String jobId) {
        return tx.executeRead(status -> jobs.findByWorkspaceIdAndId(workspaceId, jobId))
                .orElseThrow(() -> ProblemException.notFound("No backfill with id " + jobId
                        + " exists in this workspace."));
    }
}
