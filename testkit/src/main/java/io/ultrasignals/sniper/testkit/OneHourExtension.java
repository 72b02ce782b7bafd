package io.ultrasignals.sniper.testkit;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Runs {@link WithinOneHour} tests and classes inside one hour of the clock. */
public final class OneHourExtension implements BeforeAllCallback, BeforeEachCallback {
    static final long HOUR_MILLIS = 3_600_000;

    @Override
    public void beforeAll(ExtensionContext context) throws InterruptedException {
        Optional<WithinOneHour> onClass = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), WithinOneHour.class);
        if (onClass.isPresent()) {
            awaitRoom(Duration.ofSeconds(onClass.get().seconds()));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws InterruptedException {
        Optional<WithinOneHour> onMethod = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), WithinOneHour.class);
        if (onMethod.isPresent()) {
            awaitRoom(Duration.ofSeconds(onMethod.get().seconds()));
        }
    }

    /** Waits for the next hour when fewer than {@code needed} remain in this one. */
    public static void awaitRoom(Duration needed) throws InterruptedException {
        long wait = waitMillis(System.currentTimeMillis(), needed.toMillis());
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    /** How long to wait at {@code nowMillis} for {@code neededMillis} inside one hour: 0, or into the next hour. */
    static long waitMillis(long nowMillis, long neededMillis) {
        if (neededMillis >= HOUR_MILLIS) {
            throw new IllegalArgumentException("a test within one hour needs less than an hour, got " + neededMillis + " ms");
        }
        long left = HOUR_MILLIS - Math.floorMod(nowMillis, HOUR_MILLIS);
        return left < neededMillis ? left + 100 : 0;
    }
}
