package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority with one server certificate (for 127.0.0.1 and localhost) and
 * one client certificate, as PEM files in a temp directory: what redis-server's {@code tls-*} options
 * and Lettuce's {@code SslOptions} read. Made with the {@code openssl} command-line tool (the JDK can
 * sign certificates only through internal APIs); EC P-256 keys, valid for two days, keys unencrypted.
 */
public final class TlsCertificates implements AutoCloseable {
    private static final String OPENSSL = "openssl";
    private static final String DAYS = "2";

    private final Path dir;

    private TlsCertificates(Path dir) {
        this.dir = dir;
    }

    /** True when the {@code openssl} tool runs here. */
    public static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder(OPENSSL, "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Generates the CA, the server and the client certificate into a new temp directory. */
    public static TlsCertificates generate() {
        if (!opensslAvailable()) {
            throw new IllegalStateException("the openssl command is needed to make test certificates; "
                    + "install it (Debian package: openssl)");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("sniper-tls-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TlsCertificates certificates = new TlsCertificates(dir);
        try {
            certificates.makeAuthority();
            certificates.makeLeaf("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    + "extendedKeyUsage=serverAuth\n");
            certificates.makeLeaf("client", "sniper-test-client", "extendedKeyUsage=clientAuth\n");
            return certificates;
        } catch (RuntimeException e) {
            certificates.close();
            throw e;
        }
    }

    private void makeAuthority() {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", caKey().toString(), "-out", caCertificate().toString(), "-days", DAYS,
                "-subj", "/CN=Sniper test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private void makeLeaf(String name, String commonName, String extensions) {
        Path request = dir.resolve(name + ".csr");
        Path extensionFile = dir.resolve(name + ".ext");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", request.toString(),
                "-subj", "/CN=" + commonName);
        try {
            Files.writeString(extensionFile, extensions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl("x509", "-req", "-in", request.toString(), "-CA", caCertificate().toString(),
                "-CAkey", caKey().toString(), "-set_serial", Long.toString(System.nanoTime() & Long.MAX_VALUE),
                "-days", DAYS, "-extfile", extensionFile.toString(), "-out", dir.resolve(name + ".crt").toString());
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of(OPENSSL));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl " + args[0] + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** The CA certificate (PEM): the trust anchor for clients and, for client certificates, the server. */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    private Path caKey() {
        return dir.resolve("ca.key");
    }

    public Path serverCertificate() {
        return dir.resolve("server.crt");
    }

    /** PKCS#8 PEM, unencrypted. */
    public Path serverKey() {
        return dir.resolve("server.key");
    }

    public Path clientCertificate() {
        return dir.resolve("client.crt");
    }

    /** PKCS#8 PEM, unencrypted. */
    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /**
     * A JDK {@link SSLContext} that trusts only this CA and, if asked, presents the client certificate;
     * for raw TLS connections ({@link RespConnection#overTls}).
     */
    public SSLContext sslContext(boolean presentClientCertificate) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("sniper-test-ca", readCertificate(caCertificate()));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);

            KeyManagerFactory kmf = null;
            if (presentClientCertificate) {
                char[] none = new char[0];
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", readPrivateKey(clientKey()), none,
                        new Certificate[] {readCertificate(clientCertificate())});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an SSLContext from " + dir, e);
        }
    }

    private static Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static PrivateKey readPrivateKey(Path pem) throws IOException, GeneralSecurityException {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    /** Deletes the directory, keys included. */
    @Override
    public void close() {
        RedisServer.deleteRecursively(dir);
    }
}
