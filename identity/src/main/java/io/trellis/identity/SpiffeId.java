package io.trellis.identity;

import java.util.List;

/**
 * A Trellis workload identity, {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}.
 *
 * <p>Validation follows the SPIFFE ID specification: the trust domain uses only lowercase letters,
 * digits, '.', '-' and '_'; path segments are non-empty, are not '.' or '..', and use only letters,
 * digits, '.', '-' and '_'; no query, fragment, port or user info; at most 2048 characters. Every
 * instance is valid: the canonical constructor validates, so {@link #of} and {@code new} are the same.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {

    /** The SPIFFE spec's limit on the whole id, in bytes (all allowed characters are single-byte). */
    public static final int MAX_LENGTH = 2048;
    /** The SPIFFE spec's limit on the trust domain name. */
    public static final int MAX_TRUST_DOMAIN_LENGTH = 255;

    private static final String SCHEME = "spiffe://";
    private static final String SHAPE = "spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>";
    private static final int ECHO_LIMIT = 120;

    /** Validates all three parts; throws {@link MalformedSpiffeIdException} naming the bad one. */
    public SpiffeId {
        requireValidTrustDomain(trustDomain);
        checkSegment("namespace", namespace, "namespace");
        checkSegment("service account", serviceAccount, "service account");
        int length = SCHEME.length() + trustDomain.length() + "/ns/".length() + namespace.length()
                + "/sa/".length() + serviceAccount.length();
        if (length > MAX_LENGTH) {
            throw new MalformedSpiffeIdException("SPIFFE id would be " + length
                    + " characters long; the limit is " + MAX_LENGTH);
        }
    }

    /** Parses {@code spiffe://td/ns/x/sa/y}; throws {@link MalformedSpiffeIdException} saying what is wrong. */
    public static SpiffeId parse(String uri) {
        String where = "invalid SPIFFE id '" + echo(uri) + "': ";
        if (uri.length() > MAX_LENGTH) {
            throw new MalformedSpiffeIdException(where + "it is " + uri.length()
                    + " characters long; the limit is " + MAX_LENGTH);
        }
        if (!uri.startsWith(SCHEME)) {
            throw new MalformedSpiffeIdException(where + schemeProblem(uri));
        }
        String rest = uri.substring(SCHEME.length());
        if (rest.indexOf('#') >= 0) {
            throw new MalformedSpiffeIdException(where + "a SPIFFE id must not have a fragment ('#')");
        }
        if (rest.indexOf('?') >= 0) {
            throw new MalformedSpiffeIdException(where + "a SPIFFE id must not have a query ('?')");
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.isEmpty()) {
            throw new MalformedSpiffeIdException(where + "the trust domain is missing; expected " + SHAPE);
        }
        if (authority.indexOf('@') >= 0) {
            throw new MalformedSpiffeIdException(where + "a SPIFFE id must not contain user info ('@')");
        }
        if (authority.indexOf(':') >= 0) {
            throw new MalformedSpiffeIdException(where + "the trust domain must not have a port (':')");
        }
        try {
            requireValidTrustDomain(authority);
        } catch (MalformedSpiffeIdException e) {
            throw new MalformedSpiffeIdException(where + e.getMessage());
        }
        if (slash < 0 || path.isEmpty()) {
            throw new MalformedSpiffeIdException(where + "it has no path; expected " + SHAPE);
        }
        List<String> segments = List.of(path.split("/", -1));
        for (String segment : segments) {
            try {
                checkSegment("path segment", segment, "path");
            } catch (MalformedSpiffeIdException e) {
                throw new MalformedSpiffeIdException(where + e.getMessage());
            }
        }
        if (segments.size() != 4 || !segments.get(0).equals("ns") || !segments.get(2).equals("sa")) {
            throw new MalformedSpiffeIdException(where + "path '/" + echo(path) + "' is not of the form "
                    + "/ns/<namespace>/sa/<service-account>");
        }
        return new SpiffeId(authority, segments.get(1), segments.get(3));
    }

    /** Builds and validates an id from its parts. */
    public static SpiffeId of(String trustDomain, String namespace, String serviceAccount) {
        return new SpiffeId(trustDomain, namespace, serviceAccount);
    }

    /**
     * Returns {@code trustDomain} if it is a valid SPIFFE trust domain name, otherwise throws
     * {@link MalformedSpiffeIdException} saying why.
     */
    public static String requireValidTrustDomain(String trustDomain) {
        if (trustDomain.isEmpty()) {
            throw new MalformedSpiffeIdException("the trust domain is empty");
        }
        if (trustDomain.length() > MAX_TRUST_DOMAIN_LENGTH) {
            throw new MalformedSpiffeIdException("the trust domain is " + trustDomain.length()
                    + " characters long; the limit is " + MAX_TRUST_DOMAIN_LENGTH);
        }
        for (int i = 0; i < trustDomain.length(); i++) {
            char c = trustDomain.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
            if (!ok) {
                String hint = (c >= 'A' && c <= 'Z') ? " (trust domains are lowercase)" : "";
                throw new MalformedSpiffeIdException("the trust domain '" + echo(trustDomain)
                        + "' contains " + describe(c) + hint + "; allowed are lowercase letters, digits, "
                        + "'.', '-' and '_'");
            }
        }
        return trustDomain;
    }

    /** The URI form, {@code spiffe://td/ns/x/sa/y}. */
    public String uri() {
        return SCHEME + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /** Same as {@link #uri()}. */
    @Override
    public String toString() {
        return uri();
    }

    private static void checkSegment(String what, String segment, String context) {
        if (segment.isEmpty()) {
            throw new MalformedSpiffeIdException(context.equals("path")
                    ? "the path has an empty segment (a doubled or trailing '/'); expected " + SHAPE
                    : "the " + what + " is empty");
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw new MalformedSpiffeIdException("the " + what + " must not be '" + segment + "'");
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_';
            if (!ok) {
                throw new MalformedSpiffeIdException("the " + what + " '" + echo(segment) + "' contains "
                        + describe(c) + "; allowed are letters, digits, '.', '-' and '_'");
            }
        }
    }

    private static String schemeProblem(String uri) {
        int colon = uri.indexOf("://");
        if (colon < 0) {
            return "it does not start with 'spiffe://'; expected " + SHAPE;
        }
        String scheme = uri.substring(0, colon);
        if (scheme.equalsIgnoreCase("spiffe")) {
            return "the scheme must be lowercase 'spiffe', got '" + echo(scheme) + "'";
        }
        return "the scheme must be 'spiffe', got '" + echo(scheme) + "'";
    }

    private static String describe(char c) {
        if (c < 0x20 || c > 0x7e) {
            return String.format("the character U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    /** Echoes untrusted input into a message without letting a huge or binary string flood the log. */
    private static String echo(String s) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(s.length(), ECHO_LIMIT);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > ECHO_LIMIT) {
            out.append("...");
        }
        return out.toString();
    }
}
