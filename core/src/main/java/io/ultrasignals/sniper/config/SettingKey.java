package io.ultrasignals.sniper.config;

import java.time.Duration;

/**
 * One key of the settings, spelled once: the binder reads its {@link #name()} in its section, and the checks and
 * their errors name its {@link #path()}. A number's {@link #range()} belongs to the key too, so the binder (YAML and
 * environment) and the record (values built in code) check it with the one method here.
 *
 * @param section the dotted path of the enclosing section, empty at the document root; {@code []} stands for
 *                "any item" of a list ({@code sniper_agent.instrument[]})
 * @param name    the key as written in YAML
 * @param range   the whole numbers (or milliseconds, for {@code *_ms} keys) the value must be in, or null
 */
record SettingKey(String section, String name, Checks.Range range) {

    /** A section or key at the document root: {@code redis}. */
    static SettingKey root(String name) {
        return new SettingKey("", name, null);
    }

    /** A key of this section: {@code redis} → {@code redis.host}. */
    SettingKey key(String childName) {
        return new SettingKey(path(), childName, null);
    }

    /** A number of this section that must lie in {@code childRange}. */
    SettingKey key(String childName, Checks.Range childRange) {
        return new SettingKey(path(), childName, childRange);
    }

    /** Any item of this list of sections: {@code sniper_agent.instrument} → {@code sniper_agent.instrument[]}. */
    SettingKey item() {
        return new SettingKey(section, name + "[]", null);
    }

    /** The dotted key path errors name: {@code runtime.sniper_mode.max_signals_per_hour}. */
    String path() {
        return section.isEmpty() ? name : section + "." + name;
    }

    long check(long value) {
        return range.check(path(), value);
    }

    Duration checkMillis(Duration value) {
        return range.checkMillis(path(), value);
    }

    <T> T required(T value) {
        return Checks.required(path(), value);
    }

    String token(String value) {
        return Checks.token(path(), value);
    }

    @Override
    public String toString() {
        return path();
    }
}
