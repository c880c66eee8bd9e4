package io.trellis.install.lab;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a lab created, as written to its state file: the spec it was built from and the processes
 * started in it. Teardown does not depend on it (it finds namespaces by prefix) but uses it to
 * stop recorded processes and to report; {@code exec} and {@code status} use it to name things.
 */
record LabState(int version, String prefix, String createdAt, LabSpec spec, List<ProcessRecord> processes) {

    static final int VERSION = 1;

    LabState {
        processes = List.copyOf(processes);
    }

    /**
     * A process started inside a lab namespace.
     *
     * @param startedAtMillis the process start time, checked before signalling the pid so a reused
     *     pid is never killed; null if the OS did not report it
     */
    record ProcessRecord(String name, String netns, long pid, @Nullable Long startedAtMillis, String log,
            List<String> command) {
        ProcessRecord {
            command = List.copyOf(command);
        }
    }

    LabState withProcess(ProcessRecord process) {
        List<ProcessRecord> all = new ArrayList<>(processes);
        all.add(process);
        return new LabState(version, prefix, createdAt, spec, all);
    }

    LabState withoutProcess(long pid) {
        return new LabState(version, prefix, createdAt, spec,
                processes.stream().filter(p -> p.pid() != pid).toList());
    }
}
