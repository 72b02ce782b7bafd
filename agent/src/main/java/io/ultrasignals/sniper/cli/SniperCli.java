package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.SniperScript;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar sniper-agent.jar <command>}: the command-line tool. */
@Command(name = "sniper-agent", mixinStandardHelpOptions = true, version = "sniper-agent 0.1.0",
        description = "Distributed signal caps for trading runners.",
        subcommands = {SniperCli.Scripts.class})
public final class SniperCli implements Callable<Integer> {
    public static void main(String[] args) {
        System.exit(new CommandLine(new SniperCli()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 2;
    }

    @Command(name = "scripts", mixinStandardHelpOptions = true,
            description = "Name, ABI version and SHA-1 of each Lua script: what other languages pass to EVALSHA.")
    static final class Scripts implements Callable<Integer> {
        @Override
        public Integer call() {
            for (SniperScript script : ScriptCatalog.load().all()) {
                System.out.printf("%-8s v%d  %s%n", script.name(), script.abi(), script.sha1());
            }
            return 0;
        }
    }
}
