package io.trellis.proxy.core.admin;

/**
 * Answers one admin route. Runs on the admin event loop: it may take a few milliseconds (a config dump) but must
 * not wait on the data plane. An exception becomes a 500 with its message; the server keeps running.
 */
@FunctionalInterface
public interface AdminHandler {

    AdminResponse handle(AdminRequest request) throws Exception;
}
