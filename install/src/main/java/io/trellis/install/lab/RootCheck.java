package io.trellis.install.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process runs with effective uid 0, read from {@code /proc/self/status}. */
public final class RootCheck {

    private RootCheck() {}

    /** True when the effective uid is 0. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).strip().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false; // no /proc: not a Linux host the lab can run on
        }
        return false;
    }

    static void require(String action) {
        if (!isRoot()) {
            throw new LabException.NotRoot(action);
        }
    }
}
