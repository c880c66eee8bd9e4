package io.trellis.node.identity;

import org.jspecify.annotations.Nullable;

/**
 * One identity's certificate as admin {@code /certs} shows it. Times are ISO-8601 strings.
 *
 * @param serial              hex serial of the current leaf, or null before the first certificate
 * @param nextRenewal         when the next fetch is scheduled, or null while one runs
 * @param consecutiveFailures failed fetches since the last success
 */
public record CertificateStatus(String identity, @Nullable String serial, @Nullable String notBefore,
                                @Nullable String notAfter, @Nullable String nextRenewal, int consecutiveFailures) {}
