package io.trellis.waypoint.lb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Consistent hashing (Karger's ring, as Envoy's {@code RING_HASH}). Each endpoint owns ring
 * entries at the hashes of {@code "<address>_<i>"}, as many as its share of the ring; a request
 * goes to the owner of the first entry at or after the hash of its key, skipping owners that are
 * unavailable. Because an endpoint's entries depend only on its address, removing one endpoint
 * moves mostly the keys it owned.
 *
 * <p>The ring is sized like Envoy's: the lightest endpoint gets a whole number of entries and the
 * ring has at least {@code minimumRingSize} and at most {@code maximumRingSize} entries. The hash
 * function is 64-bit FNV-1a with a MurmurHash3 finalizer, not Envoy's xxHash, so ring positions
 * differ from Envoy's (the guarantees do not).
 */
final class RingHash implements LoadBalancer {
  private final long[] hashes;
  private final Endpoint[] owners;
  private final EndpointFilter filter;
  private final RandomGenerator random;

  RingHash(List<Endpoint> endpoints, EndpointFilter filter, RandomGenerator random, LbPolicy.RingHash config) {
    this.filter = filter;
    this.random = random;
    List<long[]> entries = new ArrayList<>(); // {hash, endpoint index}
    if (!endpoints.isEmpty()) {
      long totalWeight = 0;
      int minWeight = Integer.MAX_VALUE;
      for (Endpoint e : endpoints) {
        totalWeight += e.weight();
        minWeight = Math.min(minWeight, e.weight());
      }
      double minNormalized = (double) minWeight / totalWeight;
      double scale = Math.min(Math.ceil(minNormalized * config.minimumRingSize()) / minNormalized, config.maximumRingSize());
      double target = 0;
      long current = 0;
      for (int h = 0; h < endpoints.size(); h++) {
        Endpoint e = endpoints.get(h);
        target += scale * e.weight() / totalWeight;
        for (int i = 0; current < Math.round(target); i++, current++) {
          entries.add(new long[] {hash(e.address() + "_" + i), h});
        }
      }
    }
    entries.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
    this.hashes = new long[entries.size()];
    this.owners = new Endpoint[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      hashes[i] = entries.get(i)[0];
      owners[i] = endpoints.get((int) entries.get(i)[1]);
    }
  }

  @Override
  public @Nullable Endpoint pick(@Nullable String hashKey) {
    if (hashes.length == 0) {
      return null;
    }
    long h = hashKey == null ? random.nextLong() : hash(hashKey);
    int start = firstAtOrAfter(h);
    for (int step = 0; step < hashes.length; step++) {
      Endpoint e = owners[(start + step) % hashes.length];
      if (filter.available(e)) {
        return e;
      }
    }
    return null;
  }

  int ringSize() {
    return hashes.length;
  }

  private int firstAtOrAfter(long h) {
    int lo = 0;
    int hi = hashes.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(hashes[mid], h) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == hashes.length ? 0 : lo;
  }

  /** 64-bit FNV-1a over UTF-8, then MurmurHash3's fmix64 so nearby keys spread over the ring. */
  static long hash(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  @Override
  public String toString() {
    return "RingHash{entries=" + hashes.length + ", endpoints=" + Arrays.stream(owners).distinct().count() + "}";
  }
}
