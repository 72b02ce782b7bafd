package io.ultrasignals.sniper.instrument;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import net.bytebuddy.dynamic.loading.ClassInjector;

/**
 * Puts the bridge classes into the bootstrap class loader, where every class loader finds them. Must run before any
 * class that mentions the bridge is loaded, so this class names it only as text.
 */
final class BridgeInjector {
    private static final String BRIDGE = "io.ultrasignals.sniper.instrument.bridge.SniperBridge";
    private static final String[] CLASSES = {BRIDGE, BRIDGE + "$Gate"};

    private BridgeInjector() {
    }

    /** Null when injected, else what went wrong, in one line. */
    static String inject(Instrumentation instrumentation) {
        try {
            Map<String, byte[]> classes = new LinkedHashMap<>();
            for (String name : CLASSES) {
                classes.put(name, bytesOf(name));
            }
            Map<String, Class<?>> injected = injector(instrumentation).injectRaw(classes);
            for (Class<?> type : injected.values()) {
                if (type.getClassLoader() != null) {
                    return "the bridge class " + type.getName() + " was loaded before the agent could inject it";
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot add the bridge class to the bootstrap class loader: " + e;
        }
    }

    /**
     * Defining the classes in the bootstrap loader directly leaves the JVM's class data sharing on; appending a jar
     * to the bootstrap class path (the fallback) turns it off for application classes, slows start-up and makes the
     * JVM warn "Sharing is only supported for boot loader classes".
     */
    private static ClassInjector injector(Instrumentation instrumentation) throws IOException {
        ClassInjector.UsingUnsafe.Factory unsafe = ClassInjector.UsingUnsafe.Factory.resolve(instrumentation);
        if (unsafe.isAvailable()) {
            return unsafe.make(null);
        }
        Path folder = Files.createTempDirectory("sniper-agent-bridge");
        folder.toFile().deleteOnExit();
        return ClassInjector.UsingInstrumentation
                .of(folder.toFile(), ClassInjector.UsingInstrumentation.Target.BOOTSTRAP, instrumentation);
    }

    private static byte[] bytesOf(String className) throws IOException {
        String resource = className.replace('.', '/') + ".class";
        try (InputStream in = BridgeInjector.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is missing from the agent jar");
            }
            return in.readAllBytes();
        }
    }
}
