package io.sparkllama.json;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"], \"b\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-25.0, a.get(1));
        assertEquals(true, a.get(2));
        assertEquals(null, a.get(4));
        assertEquals("x\né😀", a.get(5));
        assertEquals(Map.of(), m.get("b"));
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "1 2", "\"a\u0001\"", "[1", "-"}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void writesRoundTrippableJson() {
        String s = "quote\" back\\ nl\n tab\t ctl\u0001 lone\uD800 pair😀";
        String json = Json.toJson(Map.of("k", s));
        assertEquals(s, ((Map<?, ?>) Json.parse(json)).get("k"));
        assertEquals("[1,2]", Json.toJson(new int[] {1, 2}));
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("x", Double.NaN);
        m.put("y", 1.5f);
        assertEquals("{\"x\":null,\"y\":1.5}", Json.toJson(m));
    }
}
