package io.ultrasignals.sniper.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test (on a method) or a test class (on the class) that counts one hour's admissions on the real clock: it must
 * not cross the hour's end, after which the next hour has room and admits, as it should. When fewer than
 * {@link #seconds()} remain in the hour, it starts in the next one (waits, at most that long). Local Redis servers
 * and containers read this machine's clock, so the hour is this machine's hour.
 *
 * <p>On a class, the wait is before all of its tests, so {@link #seconds()} covers the whole class. Tests of the hour's
 * end itself move a hand clock instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OneHourExtension.class)
public @interface WithinOneHour {
    /** How long the test (or the class) may run: the time it needs left in the hour. */
    int seconds() default 60;
}
