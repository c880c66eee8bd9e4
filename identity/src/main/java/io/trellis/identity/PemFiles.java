package io.trellis.identity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM files: private keys (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY" and PKCS#1
 * "RSA PRIVATE KEY" on input; PKCS#8 on output) and certificate lists (leaf-to-root order is the
 * caller's business). Failures are {@link CaConfigurationException}s naming the file.
 */
public final class PemFiles {

    private PemFiles() {}

    /** Reads the single private key in {@code file}. */
    public static PrivateKey readPrivateKey(Path file) {
        return parsePrivateKey(read(file), file.toString());
    }

    /** Reads every certificate in {@code file}, in file order; at least one is required. */
    public static List<X509Certificate> readCertificates(Path file) {
        return parseCertificates(read(file), file.toString());
    }

    /** Parses a PEM private key from text; {@code source} names it in error messages. */
    public static PrivateKey parsePrivateKey(String pem, String source) {
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new CaConfigurationException(source + ": not a readable PEM private key: " + e.getMessage(), e);
        }
        if (object == null) {
            throw new CaConfigurationException(source + ": no PEM private key found");
        }
        if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new CaConfigurationException(source + ": the private key is encrypted; store it unencrypted "
                    + "(e.g. `openssl pkcs8 -topk8 -nocrypt -in KEY -out ca-key.pem`) and protect the file instead");
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        } catch (IOException | RuntimeException e) {
            throw new CaConfigurationException(source + ": the private key cannot be decoded: " + e.getMessage(), e);
        }
        throw new CaConfigurationException(source + ": expected a private key but found "
                + object.getClass().getSimpleName() + "; is this the certificate file instead of the key?");
    }

    /**
     * Parses every PEM certificate in the text ({@code CERTIFICATE} blocks; other text is ignored); {@code source}
     * names it in error messages. Uses the JDK only, so reading the CA's certificates loads no Bouncy Castle class.
     */
    public static List<X509Certificate> parseCertificates(String pem, String source) {
        List<Pem.Block> blocks;
        try {
            blocks = Pem.decode(pem);
        } catch (Pem.PemException e) {
            throw new CaConfigurationException(source + ": not a readable PEM certificate file: " + e.getMessage(), e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Pem.Block block : blocks) {
                if (!block.label().equals("CERTIFICATE") && !block.label().equals("X509 CERTIFICATE")) {
                    throw new CaConfigurationException(source + ": expected only certificates but found a PEM "
                            + block.label() + " block; is a key in the certificate file?");
                }
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            }
        } catch (CertificateException e) {
            throw new CaConfigurationException(source + ": not a readable PEM certificate file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new CaConfigurationException(source + ": no PEM certificate found");
        }
        return List.copyOf(certificates);
    }

    /** PKCS#8 PEM text of a private key. */
    public static String toPem(PrivateKey key) {
        return Pem.encode("PRIVATE KEY", key.getEncoded());
    }

    /** PEM text of the certificates, in list order. */
    public static String toPem(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                out.append(Pem.encode("CERTIFICATE", certificate.getEncoded()));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
            }
        }
        return out.toString();
    }

    /** Writes the key as PKCS#8 PEM, readable by its owner only where the file system has POSIX permissions. */
    public static void writePrivateKey(Path file, PrivateKey key) {
        write(file, toPem(key), true);
    }

    /** Writes the certificates as PEM, in list order. */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) {
        write(file, toPem(certificates), false);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new CaConfigurationException(file + ": no such file", e);
        } catch (IOException | RuntimeException e) {
            throw new CaConfigurationException(file + ": cannot read: " + e, e);
        }
    }

    /**
     * Writes through a temporary file in the same directory and renames it into place, so a reader
     * (or a crash) never sees half a key; a key's temporary file is owner-only from the start.
     */
    private static void write(Path file, String text, boolean secret) {
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
            temporary = secret && posix
                    ? Files.createTempFile(directory, ".tmp-", ".pem",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile(directory, ".tmp-", ".pem");
            if (!secret && posix) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            throw new CaConfigurationException(file + ": cannot write: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CaConfigurationException(file + ": cannot write: " + e, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // Best effort: the rename normally consumed it already.
                }
            }
        }
    }
}
