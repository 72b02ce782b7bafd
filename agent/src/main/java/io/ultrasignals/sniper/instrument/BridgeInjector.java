package io.ultrasignals.sniper.instrument;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Puts the bridge classes into the bootstrap class loader, where every class loader finds them. Must run before any
 * class that mentions the bridge is loaded, so this class names it only as text, and it uses only the JDK: loading
 * ByteBuddy's injection machinery here would cost the application's start-up a fifth of a second.
 */
final class BridgeInjector {
    private static final String BRIDGE = "io.ultrasignals.sniper.instrument.bridge.SniperBridge";
    /** The interface first: the bridge class refers to it. */
    private static final String[] CLASSES = {BRIDGE + "$Gate", BRIDGE};

    private BridgeInjector() {
    }

    /** Null when injected, else what went wrong, in one line. */
    static String inject(Instrumentation instrumentation) {
        try {
            if (alreadyInjected()) {
                return null;
            }
            try {
                defineInBootstrap(instrumentation);
            } catch (ReflectiveOperationException | RuntimeException e) {
                appendToBootstrapSearch(instrumentation);
            }
            return alreadyInjected() ? null : "the bridge class did not reach the bootstrap class loader";
        } catch (IOException | RuntimeException e) {
            return "cannot add the bridge class to the bootstrap class loader: " + e;
        }
    }

    private static boolean alreadyInjected() {
        try {
            Class.forName(BRIDGE, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Defines the classes straight into the bootstrap loader with the JDK's internal Unsafe, opened to us through
     * the Instrumentation. This keeps class data sharing on; appending a jar to the bootstrap class path (the
     * fallback) turns it off for application classes, slows start-up and makes the JVM warn "Sharing is only
     * supported for boot loader classes".
     */
    private static void defineInBootstrap(Instrumentation instrumentation) throws ReflectiveOperationException, IOException {
        Module javaBase = Object.class.getModule();
        Set<Module> us = Set.of(BridgeInjector.class.getModule());
        instrumentation.redefineModule(javaBase, Set.of(), Map.of("jdk.internal.misc", us),
                Map.of("jdk.internal.misc", us), Set.of(), Map.of());
        Class<?> unsafeType = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = unsafeType.getMethod("getUnsafe").invoke(null);
        Method define = unsafeType.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                ClassLoader.class, ProtectionDomain.class);
        for (String name : CLASSES) {
            byte[] bytes = bytesOf(name);
            define.invoke(unsafe, name, bytes, 0, bytes.length, null, null);
        }
    }

    private static void appendToBootstrapSearch(Instrumentation instrumentation) throws IOException {
        Path jar = Files.createTempFile("sniper-agent-bridge-", ".jar");
        jar.toFile().deleteOnExit();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : CLASSES) {
                out.putNextEntry(new JarEntry(resource(name)));
                out.write(bytesOf(name));
                out.closeEntry();
            }
        }
        instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
    }

    private static byte[] bytesOf(String className) throws IOException {
        try (InputStream in = BridgeInjector.class.getClassLoader().getResourceAsStream(resource(className))) {
            if (in == null) {
                throw new IOException(resource(className) + " is missing from the agent jar");
            }
            return in.readAllBytes();
        }
    }

    private static String resource(String className) {
        return className.replace('.', '/') + ".class";
    }
}
