package io.sparkllama.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.sparkllama.chat.JinjaAssert.assertFails;
import static io.sparkllama.chat.JinjaAssert.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Templates that must fail, and how: raise_exception's own message, syntax errors naming line and
 * column, Jinja2's runtime errors (Python Jinja2 3.1.6 fails on each of these too), and the
 * constructs this renderer refuses rather than render differently from Python.
 */
class JinjaErrorTest {
    @Test
    void raiseExceptionCarriesTheTemplatesMessageAndPlace() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render("ok\n  {{ raise_exception('Roles must alternate: ' ~ messages[0].role) }}"));
        assertEquals("Roles must alternate: system", e.getMessage());
        assertEquals(2, e.line());
        assertEquals(21, e.column());
    }

    @Test
    void llama2ChatRefusesTwoUserTurnsInARow() {
        ChatTemplate t = ChatTemplate.named("llama2");
        List<ChatMessage> twoUsers = List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(twoUsers, true, "<s>", "</s>", JinjaAssert.DATE));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        ChatTemplateException e = assertFails("line one\n{% if true %}\n  {{ 1 + }}\n{% endif %}",
                "expected an expression, got end of print statement (template line 3, column 10)");
        assertEquals(3, e.line());
        assertEquals(10, e.column());
        assertFails("{% for m in messages %}\n{{ m }}", "'{% for %}' (line 1, column 4) is never closed with '{% endfor %}'");
        assertFails("{% if x %}{% endfor %}", "unexpected '{% endfor %}' (the innermost open block is '{% if %}' at line 1, column 4)"
                + " (template line 1, column 14)");
        assertFails("{% endif %}", "unexpected '{% endif %}' (template line 1, column 4)");
        assertFails("{% frobnicate %}", "unknown tag 'frobnicate' (template line 1, column 4)");
        assertFails("{{ 'unterminated }}", "unterminated string literal (template line 1, column 4)");
        assertFails("{{ (1 ] }}", "unexpected ']', expected ')' (template line 1, column 7)");
        assertFails("{{ x @ y }}", "unexpected character '@' (template line 1, column 6)");
        assertFails("{{ 1 2 }}", "expected end of print statement, got '2' (template line 1, column 6)");
        assertFails("{# never closed", "missing end of comment tag (template line 1, column 1)");
        assertFails("{% raw %}never closed", "missing end of raw directive");
        assertFails("{% macro m(a=1, b) %}{% endmacro %}", "non-default argument follows default argument (template line 1, column 17)");
        assertFails("{% set true = 1 %}", "cannot assign to 'true'");
        assertFails("{{ f(a=1, 2) }}", "positional argument follows keyword argument");
    }

    @Test
    void unknownFiltersAndTestsFailAtParseTime() {
        assertFails("{% if false %}{{ x|frobnicate }}{% endif %}", "no filter named 'frobnicate' (template line 1, column 20)");
        assertFails("{{ x is frobnicated }}", "no test named 'frobnicated' (template line 1, column 9)");
    }

    @Test
    void loopControlsOnlyInsideLoops() {
        assertFails("{% break %}", "'break' outside loop (template line 1, column 4)");
        assertFails("{% for x in messages %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}", "'continue' outside loop");
        assertFails("{% for x in messages %}{% else %}{% break %}{% endfor %}", "'break' outside loop");
    }

    @Test
    void runtimeErrorsPointAtTheFailingExpression() {
        ChatTemplateException e = assertFails("{{ 'fine' }}\n{{ messages[0].role + 1 }}",
                "can only concatenate str (not \"int\") to str (template line 2, column 21)");
        assertEquals(2, e.line());
        assertFails("{{ nothing.attr }}", "'nothing' is undefined (template line 1, column 12)");
        assertFails("{{ nothing['key'] }}", "'nothing' is undefined");
        assertFails("{{ nothing + 'x' }}", "'nothing' is undefined");
        assertFails("{{ messages[0].missing.deeper }}", "'dict object' has no attribute 'missing'");
        assertFails("{{ messages[9].role }}", "list object has no element 9");
        assertFails("{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'");
        assertFails("{{ 1 / 0 }}", "division by zero");
        assertFails("{{ 'a' < 1 }}", "'<' not supported between instances of 'str' and 'int'");
        assertFails("{% for x in none %}{% endfor %}", "'NoneType' object is not iterable (template line 1, column 13)");
        assertFails("{{ 'x' in none }}", "argument of type 'NoneType' is not iterable");
        assertFails("{{ messages|tojson(bogus=1) }}", "tojson() got an unexpected keyword argument 'bogus'");
        assertFails("{{ nothing|tojson }}", "Object of type Undefined is not JSON serializable");
        assertFails("{% set a, b = [1] %}", "not enough values to unpack (expected 2, got 1)");
        assertFails("{% set ns = 1 %}{% set ns.a = 2 %}", "cannot assign attribute on non-namespace object 'ns'");
        assertFails("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", "macro 'm' takes not more than 1 argument(s)");
        assertFails("{% macro m(a) %}{% endmacro %}{{ m(b=2) }}", "macro 'm' takes no keyword argument 'b'");
        assertFails("{{ range(1, 2, 0) }}", "range() arg 3 must not be zero");
        assertFails("{{ range(1000000)|list }}", "Range too big");
    }

    @Test
    void iteratorsHaveNoLengthAsInJinja2() {
        assertFails("{{ messages|selectattr('role', 'equalto', 'user')|length }}", "object of type 'generator' has no len()");
        assertFails("{{ [1, 2]|map('string')|first|length }}{{ [1]|reverse|count }}", "object of type 'list_reverseiterator' has no len()");
    }

    @Test
    void theSandboxRefusesMutation() {
        assertFails("{{ messages.append(1) }}", "access to attribute 'append' of 'list' object is unsafe.");
        assertFails("{{ messages[0].update({'role': 'x'}) }}", "access to attribute 'update' of 'dict' object is unsafe.");
    }

    /** Things Python renders that this renderer refuses with a clear message rather than render differently. */
    @Test
    void unsupportedConstructsSaySo() {
        assertFails("{% include 'other.jinja' %}", "the '{% include %}' tag is not supported by this renderer (template line 1, column 4)");
        assertFails("{% call m() %}{% endcall %}", "the '{% call %}' tag is not supported");
        assertFails("{% for x in messages recursive %}{% endfor %}", "recursive loops are not supported (template line 1, column 22)");
        assertFails("{{ messages|groupby('role') }}", "no filter named 'groupby' (a Jinja2 filter this renderer does not support)");
        assertFails("{{ f(*args) }}", "*args and **kwargs in calls are not supported");
        assertFails("{{ x[1, 2] }}", "tuple subscripts like x[a, b] are not supported");
        assertFails("{{ 'x'.encode() }}", "str.encode() is not supported by this renderer");
        assertFails("{{ '%5.2f' % 1.5 }}", "the % format '%5' is not supported");
        assertFails("{{ strftime_now('%H:%M') }}", "strftime_now: %H needs the time of day");
        // Python prints these as object addresses, "<generator object ... at 0x7f...>"
        assertFails("{{ messages|selectattr('role') }}", "cannot print a generator object (Python prints its memory address); convert it with |list");
        assertFails("{{ 'a'.upper }}", "cannot print a function object");
        // Python integers are unbounded
        assertFails("{{ 12345678901234567890 }}", "integer literal 12345678901234567890 is too large");
        assertFails("{{ 9223372036854775807 + 1 }}", "integer overflow");
    }

    @Test
    void absurdNestingIsAnError() {
        ChatTemplateException e = assertFails("{{ " + "(".repeat(100_000) + "1" + ")".repeat(100_000) + " }}", "template nested too deeply to parse");
        assertEquals(0, e.line());
    }

    @Test
    void endlessRecursionIsAnError() {
        ChatTemplateException e = assertFails("{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}", "template recursion too deep");
        assertEquals(0, e.line());
    }
}
