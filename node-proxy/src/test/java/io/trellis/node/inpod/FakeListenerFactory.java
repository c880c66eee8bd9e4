package io.trellis.node.inpod;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records which pods have open "listeners"; can be told to fail for chosen uids. */
final class FakeListenerFactory implements PodListenerFactory {

    record Opened(PodInfo pod, long inode) {}

    final List<Opened> opened = new CopyOnWriteArrayList<>();
    final List<Opened> closed = new CopyOnWriteArrayList<>();
    /** Listeners that stopped accepting but kept what their connections use (a drain). */
    final List<Opened> stopped = new CopyOnWriteArrayList<>();
    final Set<String> failFor = ConcurrentHashMap.newKeySet();

    @Override
    public PodListenerHandle open(PodInfo pod, Netns netns) throws InPodException {
        if (failFor.contains(pod.uid())) {
            throw new PodListenerException("cannot listen on outbound 0.0.0.0:15001 in " + netns.source()
                    + ": Address already in use");
        }
        Opened o = new Opened(pod, netns.inode());
        opened.add(o);
        return new PodListenerHandle() {
            @Override
            public void stopAccepting() {
                stopped.add(o);
            }

            @Override
            public void close() {
                closed.add(o);
            }
        };
    }

    /** uids whose listeners are open right now. */
    List<String> openUids() {
        return opened.stream().filter(o -> !closed.contains(o) && !stopped.contains(o)).map(o -> o.pod().uid()).sorted().toList();
    }
}
