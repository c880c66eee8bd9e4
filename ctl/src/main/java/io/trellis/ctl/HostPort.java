package io.trellis.ctl;

/** {@code host:port}, {@code [v6]:port} or {@code host} (then the default port). */
record HostPort(String host, int port) {

    static HostPort parse(String text, int defaultPort) throws CtlException {
        String host = text;
        int port = defaultPort;
        int colon = text.lastIndexOf(':');
        boolean bracketed = text.startsWith("[");
        if (colon > 0 && (bracketed ? text.indexOf(']') < colon : text.indexOf(':') == colon)) {
            host = text.substring(0, colon);
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CtlException("'" + text + "': the port must be a number");
            }
        }
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new CtlException("'" + text + "' is not host:port (port 1-65535)");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
