// varlinkgo drives a running qcreditd with github.com/varlink/go, a varlink implementation
// qcredit did not write: its client for the wire, its IDL parser for the interface files. It
// builds offline from Debian's golang-go and golang-github-varlink-go-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o varlinkgo .
//
// Usage (exit status 0 when every check passes, 1 with a message at the first that fails):
//
//	varlinkgo unix:SOCKET USCC UNREGISTERED-USCC
//
// USCC names a registered enterprise with a published grade; UNREGISTERED-USCC is a valid code
// no file is registered under. It introspects (GetInfo, then GetInterfaceDescription of every
// interface, each parsed with idl.New), calls GetGrade, streams GetGrades for the USCC and its
// organization code, and expects NotFound for the other code. Replies are checked against the
// parsed interface. Prints one line per check.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/varlink/go/varlink"
	"github.com/varlink/go/varlink/idl"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "varlinkgo: "+format+"\n", args...)
	os.Exit(1)
}

// conforms checks a decoded JSON value against a type of the parsed interface: every field it
// carries is declared, every field that is not nullable is there, with the declared type.
func conforms(value interface{}, t *idl.Type, types map[string]*idl.Type, path string) error {
	if t.Kind == idl.TypeMaybe {
		if value == nil {
			return nil
		}
		return conforms(value, t.ElementType, types, path)
	}
	if value == nil {
		return fmt.Errorf("%s is null but not nullable", path)
	}
	ok := true
	switch t.Kind {
	case idl.TypeBool:
		_, ok = value.(bool)
	case idl.TypeInt:
		number, isNumber := value.(float64)
		ok = isNumber && number == math.Trunc(number)
	case idl.TypeFloat:
		_, ok = value.(float64)
	case idl.TypeString:
		_, ok = value.(string)
	case idl.TypeObject:
	case idl.TypeEnum:
		name, _ := value.(string)
		ok = false
		for _, field := range t.Fields {
			ok = ok || field.Name == name
		}
	case idl.TypeAlias:
		declared, found := types[t.Alias]
		if !found {
			return fmt.Errorf("%s: type %s is not declared", path, t.Alias)
		}
		return conforms(value, declared, types, path)
	case idl.TypeArray:
		elements, isArray := value.([]interface{})
		if !isArray {
			return fmt.Errorf("%s is not an array", path)
		}
		for i, element := range elements {
			if err := conforms(element, t.ElementType, types, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case idl.TypeMap:
		members, isMap := value.(map[string]interface{})
		if !isMap {
			return fmt.Errorf("%s is not a map", path)
		}
		for key, member := range members {
			if err := conforms(member, t.ElementType, types, path+"["+key+"]"); err != nil {
				return err
			}
		}
	case idl.TypeStruct:
		object, isObject := value.(map[string]interface{})
		if !isObject {
			return fmt.Errorf("%s is not an object", path)
		}
		declared := map[string]bool{}
		for _, field := range t.Fields {
			declared[field.Name] = true
			if err := conforms(object[field.Name], field.Type, types, path+"."+field.Name); err != nil {
				return err
			}
		}
		for key := range object {
			if !declared[key] {
				return fmt.Errorf("%s.%s is not declared", path, key)
			}
		}
	}
	if !ok {
		return fmt.Errorf("%s = %v is not of its declared kind %d", path, value, t.Kind)
	}
	return nil
}

// parsed is one interface as idl.New parsed it, with its types by name.
type parsed struct {
	*idl.IDL
	types map[string]*idl.Type
}

func (p parsed) method(name string) *idl.Method {
	for _, method := range p.Methods {
		if method.Name == name {
			return method
		}
	}
	fail("%s declares no method %s", p.Name, name)
	return nil
}

func (p parsed) checkReply(method string, reply map[string]interface{}) {
	if err := conforms(reply, p.method(method).Out, p.types, method); err != nil {
		fail("the reply of %s.%s does not match the interface: %v", p.Name, method, err)
	}
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: varlinkgo unix:SOCKET USCC UNREGISTERED-USCC")
	}
	address, code, unregistered := os.Args[1], os.Args[2], os.Args[3]
	if len(code) != 18 {
		fail("%q is not an 18-character USCC", code)
	}
	// The organization code embedded in the USCC (positions 9 to 17), hyphenated as printed.
	orgCode := code[8:16] + "-" + code[16:17]

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	connection, err := varlink.NewConnection(ctx, address)
	if err != nil {
		fail("connect to %s: %v", address, err)
	}
	defer connection.Close()

	var product, version string
	var interfaces []string
	if err := connection.GetInfo(ctx, nil, &product, &version, nil, &interfaces); err != nil {
		fail("GetInfo: %v", err)
	}
	fmt.Printf("GetInfo: product %s %s, interfaces %s\n", product, version, strings.Join(interfaces, " "))

	described := map[string]parsed{}
	for _, name := range interfaces {
		description, err := connection.GetInterfaceDescription(ctx, name)
		if err != nil {
			fail("GetInterfaceDescription of %s: %v", name, err)
		}
		parsedIDL, err := idl.New(description)
		if err != nil {
			fail("the description of %s does not parse: %v", name, err)
		}
		if parsedIDL.Name != name {
			fail("the description of %s names interface %s", name, parsedIDL.Name)
		}
		types := map[string]*idl.Type{}
		for _, alias := range parsedIDL.Aliases {
			types[alias.Name] = alias.Type
		}
		described[name] = parsed{parsedIDL, types}
		fmt.Printf("interface %s parses: %d types, %d methods, %d errors\n",
			name, len(parsedIDL.Aliases), len(parsedIDL.Methods), len(parsedIDL.Errors))
	}
	query, found := described["org.qcredit.query"]
	if !found {
		fail("GetInfo does not list org.qcredit.query")
	}

	var graded map[string]interface{}
	if err := connection.Call(ctx, "org.qcredit.query.GetGrade", map[string]string{"code": code}, &graded); err != nil {
		fail("GetGrade %s: %v", code, err)
	}
	query.checkReply("GetGrade", graded)
	grade, _ := graded["grade"].(map[string]interface{})
	fmt.Printf("GetGrade %s: grade %v, basis %v\n", code, grade["grade"], grade["basis"])

	codes := []string{code, orgCode}
	receive, err := connection.Send(ctx, "org.qcredit.query.GetGrades", map[string][]string{"codes": codes}, varlink.More)
	if err != nil {
		fail("GetGrades: %v", err)
	}
	var grades []string
	for {
		var reply map[string]interface{}
		flags, err := receive(ctx, &reply)
		if err != nil {
			fail("GetGrades reply %d: %v", len(grades)+1, err)
		}
		query.checkReply("GetGrades", reply)
		if reply["error"] != nil {
			fail("GetGrades answered %v with %v: %v", reply["code"], reply["error"], reply["reason"])
		}
		if len(grades) >= len(codes) || reply["code"] != codes[len(grades)] {
			fail("GetGrades reply %d is about %v, expected the codes %v in order", len(grades)+1, reply["code"], codes)
		}
		item, _ := reply["grade"].(map[string]interface{})
		grades = append(grades, fmt.Sprint(item["grade"]))
		if flags&varlink.Continues == 0 {
			break
		}
	}
	fmt.Printf("GetGrades %s: %d replies, grades %s\n", strings.Join(codes, " "), len(grades), strings.Join(grades, " "))

	err = connection.Call(ctx, "org.qcredit.query.GetGrade", map[string]string{"code": unregistered}, &graded)
	typed, isVarlinkError := err.(*varlink.Error)
	if !isVarlinkError {
		fail("GetGrade %s: expected a varlink error, got %v", unregistered, err)
	}
	var parameters map[string]interface{}
	if raw, isRaw := typed.Parameters.(*json.RawMessage); isRaw && raw != nil {
		if err := json.Unmarshal(*raw, &parameters); err != nil {
			fail("the parameters of %s: %v", typed.Name, err)
		}
	}
	var declared *idl.Error
	for _, candidate := range query.Errors {
		if query.Name+"."+candidate.Name == typed.Name {
			declared = candidate
		}
	}
	if declared == nil {
		fail("GetGrade %s: error %s is not declared in %s", unregistered, typed.Name, query.Name)
	}
	if err := conforms(parameters, declared.Type, query.types, typed.Name); err != nil {
		fail("the parameters of %s do not match the interface: %v", typed.Name, err)
	}
	fmt.Printf("GetGrade %s: error %s, code %v\n", unregistered, typed.Name, parameters["code"])
	if typed.Name != "org.qcredit.query.NotFound" || parameters["code"] != unregistered {
		fail("expected org.qcredit.query.NotFound for %s", unregistered)
	}
	fmt.Println("all checks passed")
}
