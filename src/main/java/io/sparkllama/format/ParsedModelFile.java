package io.sparkllama.format;

import java.nio.file.Path;
import java.util.Map;

/** A {@link ModelFile} whose header has been parsed: metadata and tensor infos in memory, data read on demand. */
final class ParsedModelFile implements ModelFile {
    private final FileInput in;
    private final String format;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;

    ParsedModelFile(FileInput in, String format, Map<String, Object> metadata, Map<String, TensorInfo> tensors) {
        this.in = in;
        this.format = format;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    @Override
    public Path path() {
        return in.path();
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public Map<String, Object> metadata() {
        return metadata;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public TensorData read(TensorInfo tensor) throws ModelFormatException {
        return TensorReader.read(in, tensor);
    }

    @Override
    public void close() {
        in.close();
    }
}
