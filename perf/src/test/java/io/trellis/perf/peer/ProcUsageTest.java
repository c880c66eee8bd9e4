package io.trellis.perf.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcUsageTest {

    @Test
    void readsRssAndCpuTimeEvenWhenTheCommandNameHasSpacesAndParentheses(@TempDir Path proc) throws Exception {
        Path dir = Files.createDirectories(proc.resolve("4242"));
        Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nThreads:\t9\n");
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        Files.writeString(dir.resolve("stat"), "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
                + "250 75 0 0 20 0 9 0 12345 987654 12808 18446744073709551615\n");

        ProcUsage usage = ProcUsage.of(proc, 4242);

        assertThat(usage.rssKiB()).isEqualTo(51234);
        assertThat(usage.cpuSeconds()).isCloseTo(3.25, within(1e-9));
    }

    @Test
    void aStatusWithoutRssIsAClearError() {
        assertThatThrownBy(() -> ProcUsage.parseRssKiB("Name:\tkthreadd\nState:\tS\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VmRSS");
    }

    @Test
    void readsThisJvmFromTheRealProc() throws Exception {
        long pid = ProcessHandle.current().pid();
        ProcUsage self = ProcUsage.sum(List.of(pid));
        assertThat(self.rssKiB()).isPositive();
        assertThat(self.cpuSeconds()).isPositive();
    }
}
