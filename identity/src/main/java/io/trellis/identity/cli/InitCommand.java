package io.trellis.identity.cli;

import io.trellis.identity.CaDirectory;
import io.trellis.identity.CertificateAuthority;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trellis ca init}: a new root CA, or an intermediate CA signed by an existing one. */
@Command(name = "init",
        description = {"Create a root CA, or an intermediate CA signed by another.",
                "Writes ca-key.pem, ca-cert.pem, cert-chain.pem and root-cert.pem.",
                "With --intermediate-of, the new CA is an intermediate signed by the CA in that directory."})
final class InitCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

    private final Clock clock;
    private final PrintWriter out;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the CA files to.")
    @Nullable Path outDirectory;

    @Option(names = "--trust-domain", paramLabel = "DOMAIN",
            description = "SPIFFE trust domain of a new root (default: " + DEFAULT_TRUST_DOMAIN
                    + "; an intermediate inherits its root's).")
    @Nullable String trustDomain;

    @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "3650d", converter = DurationConverter.class,
            description = "How long the CA certificate is valid, e.g. 3650d or 8760h (default: ${DEFAULT-VALUE}); "
                    + "an intermediate never outlives its root.")
    Duration validity = Duration.ofDays(3650);

    @Option(names = "--intermediate-of", paramLabel = "ROOTDIR",
            description = "Directory of the CA (as written by `ca init`, or a plug-in CA) that signs the new intermediate.")
    @Nullable Path parentDirectory;

    @Option(names = "--force", description = "Overwrite an existing CA in --out (its old key is lost).")
    boolean force;

    InitCommand(Clock clock, PrintWriter out) {
        this.clock = clock;
        this.out = out;
    }

    @Override
    public Integer call() {
        Path directory = requireNonNull(outDirectory);
        if (!force && Files.exists(directory.resolve(CaDirectory.CA_KEY))) {
            throw new CaCli.CommandFailedException(directory.resolve(CaDirectory.CA_KEY) + " already exists; "
                    + "pass --force to replace that CA (everything it signed stops being trusted)");
        }
        CertificateAuthority ca;
        String kind;
        if (parentDirectory != null) {
            if (sameDirectory(parentDirectory, directory)) {
                throw new CaCli.CommandFailedException("--out and --intermediate-of name the same directory "
                        + directory + "; the intermediate needs a directory of its own");
            }
            CertificateAuthority parent = CaDirectory.load(parentDirectory, clock);
            if (trustDomain != null && !trustDomain.equals(parent.trustDomain())) {
                throw new CaCli.CommandFailedException("--trust-domain " + trustDomain + " differs from the trust domain "
                        + parent.trustDomain() + " of the CA in " + parentDirectory
                        + "; an intermediate always has its root's trust domain");
            }
            ca = parent.newIntermediate(validity);
            kind = "intermediate CA signed by " + parent.certificate().getSubjectX500Principal().getName();
        } else {
            ca = CertificateAuthority.selfSigned(trustDomain == null ? DEFAULT_TRUST_DOMAIN : trustDomain, validity,
                    clock);
            kind = "root CA";
        }
        List<Path> written = CaDirectory.write(ca, directory);
        out.println("created " + kind + " for trust domain " + ca.trustDomain());
        out.println("  subject:     " + ca.certificate().getSubjectX500Principal().getName());
        out.println("  valid until: " + ca.notAfter());
        for (Path file : written) {
            out.println("wrote " + file + describe(file));
        }
        return 0;
    }

    private static String describe(Path file) {
        return switch (file.getFileName().toString()) {
            case CaDirectory.CA_KEY -> "  (CA private key: keep it secret)";
            case CaDirectory.CA_CERT -> "  (CA certificate)";
            case CaDirectory.CERT_CHAIN -> "  (CA certificate, intermediates, root)";
            case CaDirectory.ROOT_CERT -> "  (root certificate: the trust bundle)";
            default -> "";
        };
    }

    private static boolean sameDirectory(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    static <T> T requireNonNull(@Nullable T value) {
        if (value == null) {
            // picocli enforces required options before call(); reaching this is a programming error.
            throw new IllegalStateException("required option missing");
        }
        return value;
    }
}
