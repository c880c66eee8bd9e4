package io.trellis.install.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.trellis.controller.waypoint.WaypointSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The container images under {@code install/images/} without a container daemon (none exists on the CI machines):
 * every file a Dockerfile copies out of its build stage is one the Maven build produces (the module's jar by the
 * project's version, the runtime dependencies its own RUN copies, the CNI plugin the install module compiles), every
 * main class it starts exists, and the image names, users and environment agree with the rendered manifests.
 */
class ContainerImagesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path IMAGES = ROOT.resolve("install/images");
    private static final Pattern COPY_FROM_BUILD = Pattern.compile("COPY --from=build /src/([a-z-]+)/target/(\\S+) \\S+");
    private static final Pattern MAIN_CLASS = Pattern.compile("io\\.trellis\\.[a-z.]+\\.[A-Z][A-Za-z]*Main");

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String projectVersion() {
        Matcher m = Pattern.compile("<artifactId>trellis-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(read(ROOT.resolve("pom.xml")));
        assertThat(m.find()).as("parent pom version").isTrue();
        return m.group(1);
    }

    private static Set<String> reactorModules() {
        Set<String> modules = new TreeSet<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(read(ROOT.resolve("pom.xml")));
        while (m.find()) {
            modules.add(m.group(1));
        }
        return modules;
    }

    /** Images the manifests run, by component: {@code <repo>/<component>:<tag>}. */
    private static Map<String, String> manifestImages() {
        Map<String, String> images = new LinkedHashMap<>();
        for (HasMetadata o : ManifestRenderer.render(InstallOptions.defaults())) {
            for (Container c : containers(o)) {
                images.put(component(c.getImage()), c.getImage());
            }
        }
        images.put(component(WaypointSettings.DEFAULT_IMAGE), WaypointSettings.DEFAULT_IMAGE);
        return images;
    }

    private static List<Container> containers(HasMetadata o) {
        PodSpec spec = o instanceof Deployment d ? d.getSpec().getTemplate().getSpec()
                : o instanceof DaemonSet ds ? ds.getSpec().getTemplate().getSpec() : null;
        return spec == null ? List.of() : spec.getContainers();
    }

    private static String component(String image) {
        return image.substring(image.lastIndexOf('/') + 1, image.lastIndexOf(':'));
    }

    @Test
    void everyImageTheManifestsRunHasADockerfileAndTheBuildScriptNamesThemAlike() {
        Map<String, String> images = manifestImages();
        assertThat(images.keySet()).containsExactlyInAnyOrder("controller", "node-proxy", "node-agent", "waypoint");
        InstallOptions d = InstallOptions.defaults();
        String script = read(IMAGES.resolve("build.sh"));
        assertThat(script).contains("REPO=${REPO:-" + d.imageRepository() + "}", "TAG=${TAG:-" + d.imageTag() + "}",
                "\"$REPO/$c:$TAG\"");
        for (Map.Entry<String, String> e : images.entrySet()) {
            assertThat(IMAGES.resolve(e.getKey()).resolve("Dockerfile")).as(e.getValue()).isRegularFile();
            assertThat(e.getValue()).isEqualTo(d.imageRepository() + "/" + e.getKey() + ":" + d.imageTag());
        }
        Matcher list = Pattern.compile("COMPONENTS=\\(([^)]*)\\)").matcher(script);
        assertThat(list.find()).isTrue();
        assertThat(Set.of(list.group(1).trim().split("\\s+"))).isEqualTo(images.keySet());
    }

    @Test
    void dockerfilesCopyOnlyWhatTheBuildProducesAndStartMainClassesThatExist() {
        String version = projectVersion();
        Set<String> modules = reactorModules();
        String installPom = read(ROOT.resolve("install/pom.xml"));
        for (String component : manifestImages().keySet()) {
            Path dir = IMAGES.resolve(component);
            String dockerfile = read(dir.resolve("Dockerfile"));
            assertThat(dockerfile).as(component).contains("ARG VERSION=" + version);
            Matcher copy = COPY_FROM_BUILD.matcher(dockerfile);
            List<String> copied = new ArrayList<>();
            while (copy.find()) {
                String module = copy.group(1);
                String file = copy.group(2).replace("${VERSION}", version);
                copied.add(module + "/target/" + file);
                assertThat(modules).as(component + " copies from module " + module).contains(module);
                if (file.endsWith(".jar")) {
                    assertThat(file).as(component).isEqualTo("trellis-" + module + "-" + version + ".jar");
                    assertThat(dockerfile).as(component + " builds " + module)
                            .contains("-pl " + module + " -am install");
                } else if (file.equals("image-lib/")) {
                    assertThat(dockerfile).as(component + " copies the runtime dependencies of " + module)
                            .contains("-pl " + module + " dependency:copy-dependencies -DincludeScope=runtime "
                                    + "-DoutputDirectory=target/image-lib");
                } else if (file.equals("cni/trellis-cni")) {
                    assertThat(module).isEqualTo("install");
                    assertThat(installPom).as("the install module compiles the plugin there")
                            .contains("-o target/cni/trellis-cni");
                    assertThat(dockerfile).as("gcc for the plugin's profile").contains("gcc libc6-dev");
                } else {
                    throw new AssertionError(component + " copies " + file + ", which no build step produces");
                }
            }
            assertThat(copied).as(component).isNotEmpty();
            String started = dockerfile + (Files.exists(dir.resolve("entrypoint.sh")) ? read(dir.resolve("entrypoint.sh"))
                    : "");
            Matcher main = MAIN_CLASS.matcher(started);
            assertThat(main.find()).as(component + " starts a main class").isTrue();
            String source = main.group().replace('.', '/') + ".java";
            boolean exists = copied.stream().map(c -> c.substring(0, c.indexOf('/')))
                    .anyMatch(m -> Files.exists(ROOT.resolve(m).resolve("src/main/java").resolve(source)));
            assertThat(exists).as(component + ": " + main.group() + " in a module it copies").isTrue();
        }
    }

    /** The node-proxy's entrypoint run with the DaemonSet's environment and a stand-in java that prints its argv. */
    @Test
    void theNodeProxyEntrypointTurnsTheDaemonSetsEnvironmentIntoFlags(@org.junit.jupiter.api.io.TempDir Path bin)
            throws Exception {
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Container proxy = ManifestRenderer.render(InstallOptions.defaults()).stream().flatMap(o -> containers(o).stream())
                .filter(c -> c.getName().equals("node-proxy")).findFirst().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder("sh", IMAGES.resolve("node-proxy/entrypoint.sh").toString(), "--extra")
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        for (EnvVar env : proxy.getEnv()) {
            // the downward API's value is the node's name at run time
            pb.environment().put(env.getName(), env.getValue() != null ? env.getValue() : "node-7");
        }
        Process p = pb.start();
        List<String> argv = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor()).as(String.join(" ", argv)).isZero();
        String controller = ControllerObjects.NAME + "." + InstallOptions.defaults().namespace() + ".svc:"
                + ControllerObjects.XDS_TLS_PORT;
        assertThat(String.join(" ", argv)).contains("io.trellis.node.NodeProxyMain", "--node-name node-7",
                "--controller " + controller, "--controller-root-cert " + NodeObjects.CA_ROOT_DIR + "/root-cert.pem",
                "--bootstrap-token-file " + NodeObjects.TOKEN_DIR + "/token", "--trust-domain cluster.local",
                "--enroll-socket /var/run/trellis/enroll.sock",
                "--controller-identity spiffe://cluster.local/ns/" + InstallOptions.defaults().namespace()
                        + "/sa/trellis-controller");
        assertThat(argv.getLast()).isEqualTo("--extra");
    }

    @Test
    void usersAndEnvironmentMatchTheManifests() {
        for (HasMetadata o : ManifestRenderer.render(InstallOptions.defaults())) {
            for (Container c : containers(o)) {
                String component = component(c.getImage());
                Path dir = IMAGES.resolve(component);
                String dockerfile = read(dir.resolve("Dockerfile"));
                Long uid = c.getSecurityContext() == null ? null : c.getSecurityContext().getRunAsUser();
                if (uid == null && o instanceof Deployment dep && dep.getSpec().getTemplate().getSpec()
                        .getSecurityContext() != null) {
                    uid = dep.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser();
                }
                if (uid != null) {
                    assertThat(dockerfile).as(component + " runs as the manifests' user").contains("USER " + uid + ":");
                }
                if (c.getArgs() == null || c.getArgs().isEmpty()) {
                    // configured by environment only: the image's entrypoint must read every variable set
                    String entrypoint = read(dir.resolve("entrypoint.sh"));
                    for (EnvVar env : c.getEnv()) {
                        if (!env.getName().equals("TRELLIS_LOG_LEVEL")) { // read by the proxies' logging set-up itself
                            assertThat(entrypoint).as(component + " reads " + env.getName()).contains(env.getName());
                        }
                    }
                    assertThat(dir.resolve("entrypoint.sh")).isExecutable();
                }
            }
        }
        // the waypoint Deployment the controller writes has no securityContext: the image itself is non-root
        assertThat(read(IMAGES.resolve("waypoint/Dockerfile"))).contains("USER 1337:1337");
    }
}
