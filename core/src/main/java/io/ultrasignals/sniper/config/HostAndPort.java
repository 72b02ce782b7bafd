package io.ultrasignals.sniper.config;

import java.util.List;

/**
 * One Redis node, written {@code host:port} in settings ({@code [::1]:6379} for an IPv6 address).
 * The port is always explicit: sentinels, cluster nodes and servers differ in their usual ports.
 */
public record HostAndPort(String host, int port) {
    static final Checks.Range PORT_RANGE = new Checks.Range(1, 65535);
    static final String EXPECTED = "\"host:port\" with a port 1..65535";

    public HostAndPort {
        // Named "host" and "port" alone: a node built in code belongs to no one key; a list's errors name the item.
        Checks.token("host", host);
        PORT_RANGE.check("port", port);
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @throws SettingsException naming {@code keyPath} when the text is not of that form
     */
    public static HostAndPort parse(String keyPath, String text) {
        String trimmed = text.strip();
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw wrong(keyPath, text);
        }
        String host = trimmed.substring(0, colon);
        String portText = trimmed.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":") || host.contains("[") || host.contains("]")) {
            throw wrong(keyPath, text);
        }
        if (!portText.chars().allMatch(Character::isDigit) || portText.length() > 5) {
            throw wrong(keyPath, text);
        }
        int port = Integer.parseInt(portText);
        if (port < PORT_RANGE.min() || port > PORT_RANGE.max() || host.isBlank()
                || host.chars().anyMatch(Character::isWhitespace)) {
            throw wrong(keyPath, text);
        }
        return new HostAndPort(host, port);
    }

    /** A list of nodes for {@code key} (sentinels, cluster seeds): immutable, without nulls, not empty. */
    static List<HostAndPort> atLeastOne(SettingKey key, List<HostAndPort> nodes) {
        List<HostAndPort> checked = Checks.immutableList(key.path(), nodes);
        if (checked.isEmpty()) {
            throw SettingsException.invalid(key.path(), "expected at least one " + EXPECTED);
        }
        return checked;
    }

    private static SettingsException wrong(String keyPath, String text) {
        return SettingsException.invalid(keyPath, "expected " + EXPECTED + ", got " + Checks.quote(text));
    }

    /** The settings spelling: {@code host:port}, with brackets around an IPv6 address. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
