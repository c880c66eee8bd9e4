package io.trellis.controller.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Local mode's node credentials: a file the lab provisions, one caller per line.
 *
 * <pre>
 * # kind    who                      token
 * node      node-a                   3f9c...   (a node-proxy)
 * waypoint  demo/reviews-waypoint    a71e...   (a waypoint Gateway, namespace/name)
 * </pre>
 *
 * Tokens are kept only as SHA-256 hashes and looked up by hash, so a lookup's timing tells nothing about how
 * much of a guess matched. Tokens must be at least 16 characters.
 */
public final class BootstrapTokens implements CallerAuthenticator {

    static final int MIN_TOKEN_LENGTH = 16;

    private final Map<String, Caller> callersByTokenHash;

    private BootstrapTokens(Map<String, Caller> callersByTokenHash) {
        this.callersByTokenHash = Map.copyOf(callersByTokenHash);
    }

    public static BootstrapTokens load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenFileException("cannot read bootstrap token file " + file + ": " + e.getMessage(), e);
        }
        return parse(file.toString(), lines);
    }

    static BootstrapTokens parse(String origin, List<String> lines) {
        Map<String, Caller> callers = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = origin + ":" + (i + 1);
            if (f.length != 3) {
                throw new TokenFileException(where + ": expected '<node|waypoint> <name> <token>', got "
                        + f.length + " fields");
            }
            Caller caller = switch (f[0]) {
                case "node" -> new Caller.NodeProxy(f[1]);
                case "waypoint" -> {
                    int slash = f[1].indexOf('/');
                    if (slash <= 0 || slash == f[1].length() - 1) {
                        throw new TokenFileException(where + ": a waypoint is named <namespace>/<gateway>, got '"
                                + f[1] + "'");
                    }
                    yield new Caller.Waypoint(f[1].substring(0, slash), f[1].substring(slash + 1));
                }
                default -> throw new TokenFileException(where + ": kind must be node or waypoint, got '" + f[0]
                        + "'");
            };
            if (f[2].length() < MIN_TOKEN_LENGTH) {
                throw new TokenFileException(where + ": token of " + caller + " is shorter than "
                        + MIN_TOKEN_LENGTH + " characters");
            }
            if (callers.put(hash(f[2]), caller) != null) {
                throw new TokenFileException(where + ": this token is already used by another caller");
            }
        }
        return new BootstrapTokens(callers);
    }

    public static BootstrapTokens of(Map<String, Caller> callersByToken) {
        Map<String, Caller> hashed = new HashMap<>();
        callersByToken.forEach((token, caller) -> hashed.put(hash(token), caller));
        return new BootstrapTokens(hashed);
    }

    @Override
    public Optional<Caller> authenticate(String token) {
        return caller(token);
    }

    /** The caller a token belongs to. */
    public Optional<Caller> caller(String token) {
        return Optional.ofNullable(callersByTokenHash.get(hash(token)));
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
