package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RedisTlsTest {
    @BeforeAll
    static void needsOpenssl() {
        if (!TlsCertificates.opensslAvailable()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("openssl is missing; CI must install it (Debian package: openssl)");
            }
            Assumptions.abort("openssl is missing: TLS tests skipped (they fail when CI=true)");
        }
    }

    static Stream<RedisBinary> binaries() {
        return RedisBinaries.all().stream();
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void aClientTrustingTheCaTalksToTheServerOverTls(RedisBinary binary) {
        try (RedisTls tls = RedisTls.start(binary); RespConnection client = tls.connectTls(false)) {
            assertThat(client.call("PING")).isEqualTo("PONG");
            assertThat(client.call("SET", "over-tls", "1")).isEqualTo("OK");
            assertThat(tls.server().call("GET", "over-tls")).isEqualTo("1");
            assertThat(tls.tlsUri()).isEqualTo("rediss://127.0.0.1:" + tls.tlsPort());
            assertThat(tls.tlsPort()).isNotEqualTo(tls.server().port());
        }
    }

    @Test
    void plainTextAndStrangeCertificatesAreRefused() {
        try (RedisTls tls = RedisTls.start(RedisBinaries.newest()); TlsCertificates strangers = TlsCertificates.generate()) {
            assertThatThrownBy(() -> {
                try (RespConnection plain = new RespConnection("127.0.0.1", tls.tlsPort(), 2000)) {
                    plain.call("PING");
                }
            }).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> RespConnection.overTls(strangers.sslContext(false), "127.0.0.1", tls.tlsPort(), 2000))
                    .hasMessageContaining("TLS handshake");
        }
    }

    @Test
    void requiringClientCertificatesLetsInOnlyClientsThatPresentOne() {
        try (RedisTls tls = RedisTls.start(RedisBinaries.newest(), true)) {
            try (RespConnection withCertificate = tls.connectTls(true)) {
                assertThat(withCertificate.call("PING")).isEqualTo("PONG");
            }
            // Under TLS 1.3 the server judges the client's certificate after the client's handshake ends,
            // so the refusal shows on the first command at the latest.
            assertThatThrownBy(() -> {
                try (RespConnection without = tls.connectTls(false)) {
                    without.call("PING");
                }
            }).isInstanceOf(RuntimeException.class);
        }
    }
}
