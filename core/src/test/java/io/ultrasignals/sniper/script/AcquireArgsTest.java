package io.ultrasignals.sniper.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class AcquireArgsTest {

    @Test
    void otherCapsChangeOnlyTheFleetsCapsNotTheSignalOrItsScopes() {
        // The fallback's local limits and the room kept for unseen runners (fleet_size) both go through withCaps:
        // a signal that lost its scopes there would be counted, and capped, in the fleet only.
        List<ScopeCap> scopes = List.of(new ScopeCap("strategy=momentum", 3, 0), new ScopeCap("account=A1", 0, 0));
        AcquireArgs args = new AcquireArgs(90, 900, true, true, "s-1", 1_700_000_000_000L, WindowMode.SLIDING, scopes);

        assertThat(args.withCaps(2, 20))
                .isEqualTo(new AcquireArgs(2, 20, true, true, "s-1", 1_700_000_000_000L, WindowMode.SLIDING, scopes));
    }
}
