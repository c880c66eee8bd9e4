package io.trellis.controller.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode: every {@code *.yaml} / {@code *.yml} file under a directory (recursively), watched for changes.
 *
 * <p>Changes are noticed through a {@link WatchService} and, because watches miss events on some file
 * systems (and on atomic renames of parent directories), by a periodic rescan as well. Bursts of events are
 * debounced into one rescan. A file is parsed again only when its bytes changed. An invalid document is
 * logged once, as one line naming file, object and field, and left out; everything else stays in.
 */
public final class DirectoryConfigSource implements ConfigSource {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryConfigSource.class);

    /** Default quiet time after a file event before rescanning: editors write files in several steps. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(200);
    /** Default interval of the fallback rescan. */
    public static final Duration DEFAULT_RESCAN = Duration.ofSeconds(5);

    private final Path dir;
    private final Duration debounce;
    private final Duration rescanInterval;
    private final ScheduledExecutorService executor;
    /** Parsed files by path, keyed on the hash of their bytes. Touched only on the executor. */
    private final Map<Path, CachedFile> cache = new HashMap<>();
    private @Nullable ConfigSnapshot last;
    private @Nullable Consumer<ConfigSnapshot> listener;
    private @Nullable WatchService watchService;
    private @Nullable ScheduledFuture<?> pendingRescan;
    private @Nullable Thread watcher;
    private volatile boolean closed;

    private record CachedFile(String sha256, YamlDocuments.Result result) {}

    /**
     * @param executor a single-threaded executor: parsing and the listener run on it
     */
    public DirectoryConfigSource(Path dir, Duration debounce, Duration rescanInterval,
                                 ScheduledExecutorService executor) {
        this.dir = dir;
        this.debounce = debounce;
        this.rescanInterval = rescanInterval;
        this.executor = executor;
    }

    /** Reads the directory now, without watching. Throws {@link ConfigDirectoryException} if it is unusable. */
    public static ConfigSnapshot load(Path dir) {
        DirectoryConfigSource source = new DirectoryConfigSource(dir, DEFAULT_DEBOUNCE, DEFAULT_RESCAN,
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor());
        try {
            return source.scan();
        } finally {
            source.executor.shutdownNow();
        }
    }

    @Override
    public void start(Consumer<ConfigSnapshot> listener) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigDirectoryException("config directory " + dir.toAbsolutePath()
                    + " does not exist or is not a directory: create it or pass another --config-dir");
        }
        this.listener = listener;
        try {
            watchService = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new ConfigDirectoryException("cannot watch " + dir + ": " + e.getMessage(), e);
        }
        executor.execute(this::rescanAndPublish);
        executor.scheduleWithFixedDelay(this::rescanAndPublish, rescanInterval.toMillis(), rescanInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        Thread t = Thread.ofPlatform().daemon().name("config-dir-watch").unstarted(this::watchLoop);
        watcher = t;
        t.start();
    }

    private void watchLoop() {
        WatchService ws = watchService;
        if (ws == null) {
            return;
        }
        try {
            while (!closed) {
                WatchKey key = ws.take();
                key.pollEvents();
                key.reset();
                scheduleRescan();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private synchronized void scheduleRescan() {
        if (closed) {
            return;
        }
        if (pendingRescan != null) {
            pendingRescan.cancel(false);
        }
        pendingRescan = executor.schedule(this::rescanAndPublish, debounce.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void rescanAndPublish() {
        if (closed) {
            return;
        }
        try {
            registerWatches();
            ConfigSnapshot snapshot = scan();
            if (!snapshot.equals(last)) {
                last = snapshot;
                LOG.info("event=config_loaded dir={} objects={} problems={}", dir, snapshot.objects().size(),
                        snapshot.problems().size());
                Consumer<ConfigSnapshot> l = listener;
                if (l != null) {
                    l.accept(snapshot);
                }
            }
        } catch (ConfigDirectoryException e) {
            LOG.warn("event=config_scan_failed dir={} problem=\"{}\" (keeping the previous config)", dir,
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("event=config_publish_failed dir={}", dir, e);
        }
    }

    /** Registers every subdirectory with the watch service (new ones appear over time). */
    private void registerWatches() {
        WatchService ws = watchService;
        if (ws == null) {
            return;
        }
        try (Stream<Path> dirs = Files.walk(dir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                d.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        } catch (IOException | ClosedWatchServiceException e) {
            LOG.debug("event=config_watch_register_failed dir={} error=\"{}\"", dir, e.getMessage());
        }
    }

    /** Reads and decodes the whole directory, reusing the parse of unchanged files. */
    ConfigSnapshot scan() {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigDirectoryException("cannot list config directory " + dir + ": " + e.getMessage(), e);
        }
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Path file : files) {
            YamlDocuments.Result result = parseCached(file);
            problems.addAll(result.problems());
            for (ConfigObject o : result.objects()) {
                if (seen.add(o.id())) {
                    objects.add(o);
                } else {
                    ConfigProblem p = new ConfigProblem(dir.relativize(file).toString(), o.id(), "metadata.name",
                            "duplicate: an object with this kind, namespace and name was already read from an "
                                    + "earlier file; this copy is ignored");
                    problems.add(p);
                }
            }
        }
        cache.keySet().retainAll(new HashSet<>(files));
        return ConfigSnapshot.of(objects, problems);
    }

    private YamlDocuments.Result parseCached(Path file) {
        String origin = dir.relativize(file).toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            // deleted between listing and reading, or unreadable: report and move on
            return new YamlDocuments.Result(List.of(),
                    List.of(new ConfigProblem(origin, "-", "", "cannot read file: " + e.getMessage())));
        }
        String hash = sha256(bytes);
        CachedFile cached = cache.get(file);
        if (cached != null && cached.sha256().equals(hash)) {
            return cached.result();
        }
        YamlDocuments.Result result = YamlDocuments.parse(origin, new String(bytes, StandardCharsets.UTF_8));
        for (ConfigProblem p : result.problems()) {
            LOG.warn("event=invalid_resource {}", p.describe());
        }
        cache.put(file, new CachedFile(hash, result));
        return result;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        WatchService ws = watchService;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                LOG.debug("event=config_watch_close_failed error=\"{}\"", e.getMessage());
            }
        }
        Thread t = watcher;
        if (t != null) {
            t.interrupt();
        }
    }
}
