package io.trellis.controller.xds;

import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.IncrementalModelBuilder;
import io.trellis.controller.source.ConfigSnapshot;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Config source -> (debounce) -> model -> translation -> snapshot -> xDS streams. The newest config wins;
 * intermediate ones within a debounce window are never built.
 */
public final class PushPipeline implements Consumer<ConfigSnapshot> {

    private static final Logger LOG = LoggerFactory.getLogger(PushPipeline.class);

    private final MeshSettings settings;
    private final WorkloadXdsServer server;
    private final Consumer<MeshModel> modelListener;
    private final TaskScheduler scheduler;
    private final Debouncer debouncer;
    /** Applies each config to the previous model; touched only on the scheduler. */
    private final IncrementalModelBuilder models;
    private volatile ConfigSnapshot latest = ConfigSnapshot.empty();
    /** The model the current snapshot was translated from; touched only on the scheduler. */
    private MeshModel previous;

    /**
     * @param modelListener told of every new model (the CA's node authorization reads it)
     */
    public PushPipeline(MeshSettings settings, WorkloadXdsServer server, Consumer<MeshModel> modelListener,
                        TaskScheduler scheduler, Duration quiet, Duration maxDelay) {
        this.settings = settings;
        this.server = server;
        this.modelListener = modelListener;
        this.scheduler = scheduler;
        this.previous = MeshModel.empty(settings);
        this.models = new IncrementalModelBuilder(settings);
        this.debouncer = new Debouncer(scheduler, quiet, maxDelay, this::rebuild);
    }

    /** A new config from the source. */
    @Override
    public void accept(ConfigSnapshot config) {
        latest = config;
        debouncer.trigger();
    }

    private void rebuild(long firstChangeNanos) {
        long start = scheduler.nanoTime();
        try {
            MeshModel base = models.model();
            MeshModel model = models.apply(latest);
            long built = scheduler.nanoTime();
            modelListener.accept(model);
            IncrementalModelBuilder.Delta delta = models.lastDelta();
            // the delta is relative to the builder's previous model: usable when that is what was translated last
            ResourceSnapshot next = delta != null && base == previous
                    ? patch(server.current(), WorkloadTranslator.translate(previous, model, delta), firstChangeNanos)
                    : server.current().next(WorkloadTranslator.translate(previous, model), firstChangeNanos);
            previous = model;
            if (!next.hasChanges() && server.current().generation() > 0) {
                LOG.debug("event=push_skipped reason=no_resource_changed");
                return;
            }
            server.publish(next);
            LOG.info("event=push generation={} workloads={} services={} authorizations={} full_model_builds={} "
                            + "incremental_model_updates={} model_ms={} build_ms={}",
                    next.generation(), model.workloads().size(), model.services().size(),
                    model.authorizations().size(), models.fullBuilds(), models.incrementalUpdates(),
                    Duration.ofNanos(built - start).toMillis(),
                    Duration.ofNanos(scheduler.nanoTime() - start).toMillis());
        } catch (RuntimeException e) {
            // a bug in translation must not stop future pushes: proxies keep the last good config
            LOG.error("event=push_failed problem=\"{}\"", e.toString(), e);
        }
    }

    private static ResourceSnapshot patch(ResourceSnapshot current, WorkloadTranslator.Patch p, long changeNanos) {
        return current.patch(p.upserts(), p.removals(), changeNanos);
    }

    public void close() {
        debouncer.cancel();
    }
}
