package io.trellis.identity.cli;

import io.trellis.identity.CaDirectory;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trellis ca issue}: a workload key and X.509-SVID signed by a CA directory. */
@Command(name = "issue",
        description = {"Issue a workload certificate (X.509-SVID) for a SPIFFE id.",
                "Writes key.pem, cert.pem, cert-chain.pem (certificate + intermediates) and root-cert.pem."})
final class IssueCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    static final String KEY = "key.pem";
    static final String CERT = "cert.pem";
    static final String CHAIN = "cert-chain.pem";
    static final String ROOT = "root-cert.pem";

    private final Clock clock;
    private final PrintWriter out;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "Directory of the signing CA.")
    @Nullable Path caDirectory;

    @Option(names = "--identity", required = true, paramLabel = "SPIFFE_ID",
            description = "The identity to certify, e.g. spiffe://cluster.local/ns/default/sa/web.")
    @Nullable String identity;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the files to.")
    @Nullable Path outDirectory;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
            description = "Requested lifetime (default: ${DEFAULT-VALUE}); cut short if the CA expires sooner.")
    Duration ttl = Duration.ofHours(24);

    IssueCommand(Clock clock, PrintWriter out) {
        this.clock = clock;
        this.out = out;
    }

    @Override
    public Integer call() {
        SpiffeId id = SpiffeId.parse(InitCommand.requireNonNull(identity));
        Path directory = InitCommand.requireNonNull(outDirectory);
        if (Files.exists(directory.resolve(CaDirectory.CA_KEY))) {
            // The workload files share names with the CA's (cert-chain.pem, root-cert.pem): writing
            // them there would silently break the CA.
            throw new CaCli.CommandFailedException(directory + " holds a CA (" + CaDirectory.CA_KEY
                    + "); write the workload certificate to another directory");
        }
        CertificateAuthority ca = CaDirectory.load(InitCommand.requireNonNull(caDirectory), clock);
        WorkloadCertificate certificate = ca.issue(id, ttl);
        Path key = directory.resolve(KEY);
        Path cert = directory.resolve(CERT);
        Path chain = directory.resolve(CHAIN);
        Path root = directory.resolve(ROOT);
        PemFiles.writePrivateKey(key, certificate.privateKey());
        PemFiles.writeCertificates(cert, List.of(certificate.leaf()));
        PemFiles.writeCertificates(chain, certificate.chain());
        PemFiles.writeCertificates(root, certificate.trustBundle().roots());
        out.println("issued " + id);
        out.println("  serial:      " + certificate.leaf().getSerialNumber().toString(16));
        out.println("  valid until: " + certificate.notAfter()
                + (certificate.notAfter().isBefore(clock.instant().plus(ttl).truncatedTo(ChronoUnit.SECONDS)) ? "  (cut short: the CA expires then)" : ""));
        out.println("wrote " + key + "  (private key: keep it secret)");
        out.println("wrote " + cert + "  (workload certificate)");
        out.println("wrote " + chain + "  (certificate + intermediates)");
        out.println("wrote " + root + "  (root certificate: the trust bundle)");
        return 0;
    }
}
