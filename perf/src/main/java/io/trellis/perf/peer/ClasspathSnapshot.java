package io.trellis.perf.peer;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A private copy of the classpath's jars for the child JVMs. A JVM loads classes lazily from its
 * jars; when a build replaces a jar in the local Maven repository during a long benchmark, a
 * child started from the original path fails with NoClassDefFoundError mid-run. Directories
 * (a module's target/classes) are kept as they are.
 */
public final class ClasspathSnapshot {

    private ClasspathSnapshot() {}

    /** Copies every jar of {@code classpath} into {@code dir} and returns the rewritten classpath. */
    public static String copy(String classpath, Path dir) throws PeerException {
        try {
            Files.createDirectories(dir);
            List<String> entries = new ArrayList<>();
            int index = 0;
            for (String entry : classpath.split(File.pathSeparator)) {
                Path source = Path.of(entry);
                if (entry.endsWith(".jar") && Files.isRegularFile(source)) {
                    // The index keeps two jars with the same file name apart.
                    Path copy = dir.resolve(index++ + "-" + source.getFileName());
                    Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
                    entries.add(copy.toAbsolutePath().toString());
                } else if (!entry.isEmpty()) {
                    entries.add(entry);
                }
            }
            return String.join(File.pathSeparator, entries);
        } catch (IOException e) {
            throw new PeerException("cannot copy the classpath into " + dir + ": " + e.getMessage(), e);
        }
    }
}
