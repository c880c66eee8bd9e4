package io.trellis.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Key pair generation through the JDK's own providers (SunEC, SunRsaSign): no extra provider needed. */
public final class KeyPairs {

    private KeyPairs() {}

    /** A fresh ECDSA P-256 key pair, the default for every SVID and CA Trellis creates. */
    public static KeyPair ecP256() {
        return ec("secp256r1");
    }

    /** A fresh ECDSA P-384 key pair. */
    public static KeyPair ecP384() {
        return ec("secp384r1");
    }

    /** A fresh RSA key pair of {@code bits} bits (for interop with plug-in CAs and tests). */
    public static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate RSA-" + bits + " keys", e);
        }
    }

    private static KeyPair ec(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            // Every JDK ships SunEC with these NIST curves; without them nothing in the mesh works.
            throw new IllegalStateException("this JDK cannot generate " + curve + " keys", e);
        }
    }
}
