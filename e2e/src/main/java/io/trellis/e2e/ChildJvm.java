package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a Trellis child JVM (controller, node-proxy, waypoint). Its classpath is this
 * JVM's {@code java.class.path}: under {@code ./trellis demo} that is the e2e jar plus
 * {@code e2e/target/classpath.txt} (which lists every module jar the mesh needs), under Maven the test
 * classpath with the same modules; so the children run exactly the code the caller was built with.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** {@code java [flags] -cp <this classpath> main args...}; fails clearly when {@code main} is not on the classpath. */
    public static List<String> command(String main, List<String> args) {
        return command(List.of(), main, args);
    }

    /** As {@link #command(String, List)}, with extra JVM flags (system properties) before the main class. */
    public static List<String> command(List<String> jvmFlags, String main, List<String> args) {
        String resource = main.replace('.', '/') + ".class";
        if (ChildJvm.class.getClassLoader().getResource(resource) == null) {
            throw new MeshException.StartFailed(main + " is not on this JVM's classpath: run through ./trellis or "
                    + "from the e2e module, whose classpath holds every mesh module");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            throw new MeshException.StartFailed("no java executable at " + java);
        }
        List<String> cmd = new ArrayList<>(List.of(java.toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                // small, fast-starting children: the lab runs several JVMs on a small machine
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path")));
        cmd.addAll(jvmFlags);
        cmd.add(main);
        cmd.addAll(args);
        return cmd;
    }
}
