package io.datamodels.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.regex.Pattern;

/**
 * Checks a Spark master URL on the driver before a context is made: its form, and for a standalone master
 * ({@code spark://HOST:PORT[,HOST:PORT...]}) that one of its addresses accepts a connection within a short timeout.
 * Without this check Spark's client keeps retrying an unreachable master for about a minute before it gives up.
 */
public final class Masters {
    /** The connect timeout for a standalone master, in milliseconds. */
    public static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,[1-9][0-9]*)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*]");

    private Masters() {
    }

    /** True for {@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]} and {@code local[*,F]}. */
    public static boolean isLocal(String master) {
        return LOCAL.matcher(master).matches();
    }

    /**
     * Fails with a one-line message if {@code master} is not a master URL Spark takes, or names a standalone
     * master that does not answer.
     *
     * @throws IllegalArgumentException for a malformed URL
     * @throws IOException              naming the address, for a standalone master that cannot be reached
     */
    public static void check(String master) throws IOException {
        if (isLocal(master) || LOCAL_CLUSTER.matcher(master).matches() || master.equals("yarn")
                || master.startsWith("k8s://")) {
            return;
        }
        if (!master.startsWith("spark://")) {
            throw new IllegalArgumentException("--master: expected local[N], local[N,F], spark://HOST:PORT, yarn or "
                    + "k8s://URL, got '" + master + "'");
        }
        String last = null;
        for (String hp : master.substring("spark://".length()).split(",")) {
            int colon = hp.lastIndexOf(':');
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(hp.substring(colon + 1)) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("--master: expected spark://HOST:PORT, got '" + master + "'");
            }
            String host = hp.substring(0, colon);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
                return;
            } catch (IOException e) {
                last = host + ":" + port + " (" + (e.getMessage() == null ? e.toString() : e.getMessage()) + ")";
            }
        }
        throw new java.net.ConnectException("--master " + master + ": cannot connect to the Spark master at " + last
                + " within " + CONNECT_TIMEOUT_MILLIS / 1000 + " s; is it running?");
    }
}
