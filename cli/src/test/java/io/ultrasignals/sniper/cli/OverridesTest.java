package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A command's settings: its namespace and caps, every other key as the user set it. */
@Tag("unit")
class OverridesTest {

    @Test
    void onlyTheNamespaceAndTheCapsChange() throws IOException {
        SniperSettings user = load("/config/every-key.yaml");

        SniperSettings command = Overrides.apply(user, "prod_sniper-demo", 7, 9, false);

        assertThat(command.redis()).isEqualTo(user.redis().toBuilder().namespace("prod_sniper-demo").build());
        assertThat(command.redis().password()).isEqualTo(user.redis().password());
        assertThat(command.redis().sentinel()).isEqualTo(user.redis().sentinel());
        assertThat(command.sniperMode().enabled()).isTrue();
        assertThat(command.sniperMode().mtfConfirm()).isFalse();
        assertThat(command.sniperMode().maxSignalsPerHour()).isEqualTo(7);
        assertThat(command.sniperMode().dailySignalCap()).isEqualTo(9);
        assertThat(command.sniperMode().window()).isEqualTo(user.sniperMode().window());
        assertThat(command.sniperMode().enforcement()).isEqualTo(user.sniperMode().enforcement());
        assertThat(command.sniperMode().fallback()).isEqualTo(user.sniperMode().fallback());
        assertThat(command.agent()).isEqualTo(user.agent());
    }

    private static SniperSettings load(String resource) throws IOException {
        try (InputStream in = OverridesTest.class.getResourceAsStream(resource)) {
            return new SettingsLoader(Map.of()).loadYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        }
    }
}
