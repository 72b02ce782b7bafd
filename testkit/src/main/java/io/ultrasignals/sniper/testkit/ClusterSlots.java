package io.ultrasignals.sniper.testkit;

import java.nio.charset.StandardCharsets;

/**
 * The Redis Cluster key-to-slot rule (cluster spec): CRC16-XMODEM of the key, or of its hash tag,
 * modulo 16384. The hash tag is the text between the first '{' and the first '}' after it, when
 * that text is not empty; so {@code {sniper_signals}:hour:1} and {@code {sniper_signals}:day:1}
 * share a slot.
 */
public final class ClusterSlots {
    public static final int SLOTS = 16384;

    private ClusterSlots() {}

    public static int slotOf(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int from = 0;
        int to = bytes.length;
        int open = indexOf(bytes, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(bytes, (byte) '}', open + 1);
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        return crc16(bytes, from, to) & (SLOTS - 1);
    }

    /** CRC16-CCITT as XMODEM uses it: polynomial 0x1021, initial value 0, no reflection. */
    static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (bytes[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xffff;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
