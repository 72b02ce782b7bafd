package io.ultrasignals.sniper.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A tiny blocking RESP2 client for test set-up and for checking exact reply types.
 *
 * <p>Replies map to: simple string and bulk string to {@link String}, integer to {@link Long},
 * array to {@link List}, nil to {@code null}, error to a {@link RespError} thrown from {@link #call}.
 * It is deliberately not the product's client: conformance tests must see the raw reply types.
 */
public final class RespConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RespConnection(String host, int port, int timeoutMillis) {
        this(new Socket(), host, port, timeoutMillis);
    }

    /**
     * A connection over TLS that checks the server's certificate against {@code context}'s trust and
     * its name (IP or DNS) against {@code host}, as a production client would.
     */
    public static RespConnection overTls(SSLContext context, String host, int port, int timeoutMillis) {
        SSLSocket socket;
        try {
            socket = (SSLSocket) context.getSocketFactory().createSocket();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        RespConnection connection = new RespConnection(socket, host, port, timeoutMillis);
        try {
            socket.startHandshake();
        } catch (IOException e) {
            connection.close();
            throw new UncheckedIOException("TLS handshake with " + host + ":" + port + " failed", e);
        }
        return connection;
    }

    private RespConnection(Socket unconnected, String host, int port, int timeoutMillis) {
        try {
            socket = unconnected;
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
    }

    /** Sends one command and returns its reply; an error reply is thrown as {@link RespError}. */
    public Object call(String... args) {
        try {
            out.write(('*' + Integer.toString(args.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                out.write(('$' + Integer.toString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.write('\r');
                out.write('\n');
            }
            out.flush();
            Object reply = read();
            if (reply instanceof RespError error) {
                throw error;
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Object call(List<String> args) {
        return call(args.toArray(String[]::new));
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed by server");
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RespError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(len);
                in.readNBytes(2);
                return new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(len);
                for (int i = 0; i < len; i++) {
                    Object item = read();
                    items.add(item);
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type byte '" + (char) type + "'");
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed mid-line");
            }
            sb.append((char) c);
        }
        in.read();
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection: nothing useful to do
        }
    }

    /** An error reply from Redis, e.g. {@code ERR sniper: hourly_cap ...}. */
    public static final class RespError extends RuntimeException {
        public RespError(String message) {
            super(message, null, false, false);
        }
    }
}
