package io.trellis.waypoint.proxy;

/** What a protocol's head tracking tells the {@link HeaderReadDeadline}: a head began, or it is complete. */
interface HeadTimer {

    /** A request head (or header block) began: its time starts now. */
    void armNow();

    /** The head is complete: no deadline until the next one begins. */
    void disarm();
}
