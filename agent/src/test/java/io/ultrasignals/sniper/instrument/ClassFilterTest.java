package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.config.InstrumentTarget;
import io.ultrasignals.sniper.config.MatchMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The name-and-bytes pre-filter in front of ByteBuddy, on real class files (compiled from the classes below). */
@Tag("unit")
class ClassFilterTest {
    interface Publisher {
        void publish(String signal);
    }

    /** Constants of every width before the method's name, so a mis-sized constant-pool entry would be noticed. */
    static final class WideConstants implements Publisher {
        static final long BIG = 1L << 40;
        static final double HALF = 0.5;

        @Override
        public void publish(String signal) {
            System.out.println(signal + BIG + HALF + 70_000);
        }
    }

    static final class Unrelated {
        long big() {
            return 1L << 41;
        }
    }

    private static final String PUBLISHER = Publisher.class.getName();

    @Test
    void anExactEntryAdmitsItsClassOnlyAndNeverTheJdkOrTheAgent() throws IOException {
        ClassFilter filter = new ClassFilter(List.of(plan("com.acme.Runner#publish", MatchMode.EXACT),
                plan("java.lang.String#length", MatchMode.EXACT), plan(WideConstants.class.getName() + "#publish", MatchMode.EXACT)));
        byte[] publishing = bytes(WideConstants.class);

        assertThat(filter.candidate("com/acme/Runner", bytes(Unrelated.class))).isTrue();
        assertThat(filter.namedExactly("com.acme.Runner")).isTrue();
        assertThat(filter.candidate("com/acme/Other", publishing)).as("the method's name alone is not enough").isFalse();
        assertThat(filter.candidate("java/lang/String", bytes(String.class))).as("the JDK").isFalse();
        assertThat(filter.candidate(internal(WideConstants.class), publishing)).as("the agent's own classes").isFalse();
        assertThat(filter.hasSupertypeEntries()).isFalse();
        assertThat(filter.candidate(null, publishing)).as("a class without a name").isFalse();
    }

    @Test
    void aSupertypeEntryAdmitsClassesWhoseConstantPoolNamesTheMethod() throws IOException {
        ClassFilter filter = new ClassFilter(List.of(plan(PUBLISHER + "#publish", MatchMode.SUPERTYPE)));

        assertThat(filter.hasSupertypeEntries()).isTrue();
        assertThat(filter.candidate("com/acme/WideConstants", bytes(WideConstants.class))).isTrue();
        assertThat(filter.candidate("com/acme/Unrelated", bytes(Unrelated.class))).isFalse();
        assertThat(filter.candidate("com/acme/Truncated", java.util.Arrays.copyOf(bytes(Unrelated.class), 40)))
                .as("bytes it cannot read: ByteBuddy decides").isTrue();
    }

    private static TargetPlan plan(String method, MatchMode match) {
        return TargetPlan.of(0, InstrumentTarget.builder(method).match(match).build());
    }

    private static String internal(Class<?> type) {
        return type.getName().replace('.', '/');
    }

    private static byte[] bytes(Class<?> type) throws IOException {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }
}
