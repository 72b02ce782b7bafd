package io.ultrasignals.sniper.testkit;

/**
 * A redis-server that also listens with TLS, on certificates of its own throw-away CA.
 *
 * <p>Both bundled binaries (7.0.15 and 6.2.x) and Debian's redis-server are built with TLS, so
 * this works with every {@link RedisBinaries} entry. The plain port stays open for the harness
 * ({@link #server()} inspects and faults the process through it); clients under test use
 * {@link #tlsAddress()}. The certificates come from {@link TlsCertificates}, which needs the
 * {@code openssl} tool.
 */
public final class RedisTls implements AutoCloseable {
    private final TlsCertificates certificates;
    private final RedisServer server;
    private final int tlsPort;

    private RedisTls(TlsCertificates certificates, RedisServer server, int tlsPort) {
        this.certificates = certificates;
        this.server = server;
        this.tlsPort = tlsPort;
    }

    /** TLS for any client that trusts the CA; no client certificate asked for. */
    public static RedisTls start(RedisBinary binary) {
        return start(binary, false);
    }

    /** With {@code requireClientCertificate}, only clients presenting a certificate of the CA get in. */
    public static RedisTls start(RedisBinary binary, boolean requireClientCertificate) {
        TlsCertificates certificates = TlsCertificates.generate();
        try {
            int tlsPort = RedisServer.freePort();
            RedisServer server = RedisServer.start(binary,
                    "--tls-port", Integer.toString(tlsPort),
                    "--tls-cert-file", certificates.serverCertificate().toString(),
                    "--tls-key-file", certificates.serverKey().toString(),
                    "--tls-ca-cert-file", certificates.caCertificate().toString(),
                    "--tls-auth-clients", requireClientCertificate ? "yes" : "no");
            return new RedisTls(certificates, server, tlsPort);
        } catch (RuntimeException e) {
            certificates.close();
            throw e;
        }
    }

    /** The process, with its plain port for set-up, inspection and faults. */
    public RedisServer server() {
        return server;
    }

    public int tlsPort() {
        return tlsPort;
    }

    public HostPort tlsAddress() {
        return new HostPort(server.host(), tlsPort);
    }

    /** {@code rediss://127.0.0.1:<tls port>} */
    public String tlsUri() {
        return "rediss://" + server.host() + ":" + tlsPort;
    }

    /** CA, server and client certificate files (PEM). */
    public TlsCertificates certificates() {
        return certificates;
    }

    /** A raw connection over TLS trusting the CA; with the client certificate if asked. */
    public RespConnection connectTls(boolean presentClientCertificate) {
        return RespConnection.overTls(certificates.sslContext(presentClientCertificate), server.host(), tlsPort, 5000);
    }

    @Override
    public void close() {
        server.close();
        certificates.close();
    }

    @Override
    public String toString() {
        return server + " (tls " + tlsPort + ")";
    }
}
