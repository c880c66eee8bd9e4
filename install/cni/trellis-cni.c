/*
 * trellis-cni: the chained CNI plugin (CNI spec 1.0) of the Trellis node agent.
 *
 * The container runtime runs it once per pod network operation, after the primary plugin. It forwards the
 * request (the CNI_* environment and the network config on stdin, which carries prevResult) to the node
 * agent over a Unix socket and prints what the agent answers. All decisions live in the agent (Java): this
 * program only moves bytes, so a pod start costs one fork+exec of a small static binary, not a JVM start.
 *
 * Wire (one connection per call, SOCK_STREAM):
 *   request:  "CNI_COMMAND=..\n" ... one line per CNI_* variable, an empty line, then the stdin bytes; the
 *             plugin then shuts down its write side.
 *   response: "OK\n" or "ERR\n", then the exact bytes to print on stdout.
 *
 * Fail closed: if the agent cannot be reached during ADD, the plugin prints a CNI error and exits 1, so the
 * pod does not start outside the mesh. Exceptions, decided here because the agent may be the one missing:
 *   - DEL and CHECK never fail for that reason (DEL must be idempotent; a pod must always be deletable);
 *   - pods in a namespace listed in the config's "excludeNamespaces" string (comma separated; the mesh's own
 *     namespace and kube-system) pass through, so the agent and the node-proxy themselves can start;
 *   - VERSION is answered locally.
 * Build: gcc -O2 -static -o trellis-cni trellis-cni.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/var/run/trellis/cni.sock"
#define MAX_STDIN (1 << 20)
#define IO_TIMEOUT_SECONDS 30

static const char *ENV_NAMES[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS",
                                  "CNI_PATH", NULL};

/* Prints a CNI error result (spec: code 999 and up are plugin specific) and returns the exit code. */
static int cni_error(int code, const char *msg, const char *details) {
    printf("{\"cniVersion\":\"1.0.0\",\"code\":%d,\"msg\":\"", code);
    for (const char *p = msg; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        if ((unsigned char) *p >= 0x20) putchar(*p);
    }
    printf("\",\"details\":\"");
    for (const char *p = details; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        if ((unsigned char) *p >= 0x20) putchar(*p);
    }
    printf("\"}\n");
    return 1;
}

/* The string value of a top-level-ish "key": "value" in the config; NULL when absent. Escapes are not needed
 * for the values read here (paths and namespace names). */
static char *json_string(const char *json, const char *key, char *out, size_t out_len) {
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(json, pattern);
    if (!p) return NULL;
    p += strlen(pattern);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != ':') return NULL;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != '"') return NULL;
    size_t n = 0;
    while (*p && *p != '"' && n + 1 < out_len) out[n++] = *p++;
    out[n] = '\0';
    return *p == '"' ? out : NULL;
}

/* The value of K8S_POD_NAMESPACE in CNI_ARGS ("K=V;K=V"). */
static int pod_namespace(char *out, size_t out_len) {
    const char *args = getenv("CNI_ARGS");
    if (!args) return 0;
    const char *p = strstr(args, "K8S_POD_NAMESPACE=");
    if (!p) return 0;
    p += strlen("K8S_POD_NAMESPACE=");
    size_t n = 0;
    while (*p && *p != ';' && n + 1 < out_len) out[n++] = *p++;
    out[n] = '\0';
    return n > 0;
}

static int excluded(const char *config) {
    char list[4096], ns[256];
    if (!json_string(config, "excludeNamespaces", list, sizeof list) || !pod_namespace(ns, sizeof ns)) return 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ') tok++;
        if (strcmp(tok, ns) == 0) return 1;
    }
    return 0;
}

/* What an ADD must print when the plugin passes a pod through: the previous plugin's result, unchanged. */
static int pass_through(const char *config) {
    const char *p = strstr(config, "\"prevResult\"");
    if (!p) {
        return cni_error(999, "trellis-cni is a chained plugin: no prevResult in its config",
                         "list it after the primary plugin in the conflist");
    }
    p = strchr(p, ':');
    if (!p) return cni_error(999, "malformed prevResult", "");
    p++;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    /* copy the balanced JSON value, skipping brackets inside strings */
    int depth = 0, in_string = 0;
    const char *start = p;
    for (; *p; p++) {
        if (in_string) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in_string = 0;
        } else if (*p == '"') in_string = 1;
        else if (*p == '{' || *p == '[') depth++;
        else if (*p == '}' || *p == ']') {
            if (--depth == 0) { p++; break; }
        }
    }
    if (depth != 0) return cni_error(999, "malformed prevResult", "unbalanced JSON");
    fwrite(start, 1, (size_t) (p - start), stdout);
    putchar('\n');
    return 0;
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

int main(void) {
    const char *command = getenv("CNI_COMMAND");
    if (!command) return cni_error(4, "CNI_COMMAND is not set", "trellis-cni is run by the container runtime");
    if (strcmp(command, "VERSION") == 0) {
        printf("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}\n");
        return 0;
    }
    static char config[MAX_STDIN + 1];
    size_t len = 0;
    ssize_t n;
    while ((n = read(0, config + len, MAX_STDIN - len)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) len += (size_t) n;
        if (len == MAX_STDIN) return cni_error(999, "network config on stdin is larger than 1 MiB", "");
    }
    config[len] = '\0';
    int is_add = strcmp(command, "ADD") == 0;

    char socket_path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
    if (!json_string(config, "agentSocket", socket_path, sizeof socket_path)) {
        snprintf(socket_path, sizeof socket_path, "%s", DEFAULT_SOCKET);
    }
    if (is_add && excluded(config)) return pass_through(config);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
    struct timeval timeout = {.tv_sec = IO_TIMEOUT_SECONDS};
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        if (!is_add) return 0; /* DEL/CHECK: nothing of ours can be left to undo without the agent */
        char details[512];
        snprintf(details, sizeof details, "connect(%s): %s", socket_path, strerror(errno));
        return cni_error(999, "the Trellis node agent is not reachable: the pod is not started outside the mesh; "
                              "check the trellis-node-agent pod on this node", details);
    }
    char line[8192];
    for (const char **name = ENV_NAMES; *name; name++) {
        const char *value = getenv(*name);
        if (!value) continue;
        int m = snprintf(line, sizeof line, "%s=%s\n", *name, value);
        if (m < 0 || (size_t) m >= sizeof line || strchr(value, '\n')) {
            return is_add ? cni_error(999, "CNI environment value too long or multi-line", *name) : 0;
        }
        if (write_all(fd, line, (size_t) m) != 0) goto io_error;
    }
    if (write_all(fd, "\n", 1) != 0 || write_all(fd, config, len) != 0) goto io_error;
    shutdown(fd, SHUT_WR);

    static char response[MAX_STDIN + 1];
    size_t got = 0;
    while ((n = read(fd, response + got, MAX_STDIN - got)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) got += (size_t) n;
        if (got == MAX_STDIN) break;
    }
    if (n < 0) goto io_error;
    response[got] = '\0';
    close(fd);
    int ok = strncmp(response, "OK\n", 3) == 0;
    if (!ok && strncmp(response, "ERR\n", 4) != 0) {
        return is_add ? cni_error(999, "the Trellis node agent sent a malformed answer", "") : 0;
    }
    fwrite(response + (ok ? 3 : 4), 1, got - (ok ? 3 : 4), stdout);
    return ok ? 0 : 1;

io_error:
    if (!is_add) return 0;
    snprintf(line, sizeof line, "%s: %s", socket_path, strerror(errno));
    return cni_error(999, "talking to the Trellis node agent failed: the pod is not started outside the mesh",
                     line);
}
