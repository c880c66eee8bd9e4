package io.trellis.install.agent;

import java.nio.file.Path;

/** Installs and removes the in-pod capture rules; the real one is {@link CaptureRules}, tests use a fake. */
public interface PodCapture {

    void install(Path netns);

    void uninstall(Path netns);

    /** The real rules through {@link CaptureRules}. */
    static PodCapture of(CaptureRules rules) {
        return new PodCapture() {
            @Override
            public void install(Path netns) {
                rules.install(Netns.path(netns.toString()));
            }

            @Override
            public void uninstall(Path netns) {
                rules.uninstall(Netns.path(netns.toString()));
            }
        };
    }
}
