package io.sparkllama.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

import java.io.IOException;

/** Ties what a partition holds (its engine lease, its requests at the engine) to its Spark task. */
public final class TaskResources {
    private TaskResources() {
    }

    /**
     * Runs {@code close} when the current Spark task completes: succeeded, failed, killed, or
     * stopped early with its output unread (a {@code limit()}). Outside a task it does nothing.
     */
    public static void closeOnCompletion(Runnable close) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) t -> close.run());
        }
    }

    /** A lease on {@code spec}'s engine, given back when the current task completes. */
    public static EngineRegistry.Lease leaseEngine(EngineSpec spec) throws IOException {
        EngineRegistry.Lease lease = EngineRegistry.acquire(spec);
        closeOnCompletion(lease::close);
        return lease;
    }
}
