package io.ultrasignals.sniper.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.Tools;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** luacheck (Debian package lua-check) passes on lua/ with lua/.luacheckrc. */
class LuacheckTest {
    @Test
    void luaScriptsPassLuacheck() throws Exception {
        Path luacheck = Tools.requireOrSkip("luacheck");
        Path lua = RepoRoot.path().resolve("lua");
        Process p = new ProcessBuilder(luacheck.toString(), "--no-color", "--config", lua.resolve(".luacheckrc").toString(), ".")
                .directory(lua.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("0 warnings / 0 errors").contains("acquire.lua");
    }
}
