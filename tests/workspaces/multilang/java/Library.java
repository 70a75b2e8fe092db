package demo;

import java.util.ArrayList;
import java.util.List;

interface Catalog {
    List<Book> find(String title);
}

public class Library implements Catalog {
    public static final int MAX_BOOKS = 1000;
    private final List<Book> books = new ArrayList<>();

    public void add(Book book) {
        books.add(book);
    }

    @Override
    public List<Book> find(String title) {
        List<Book> out = new ArrayList<>();
        for (Book b : books) {
            if (b.title().equals(title)) {
                out.add(b);
            }
        }
        return out;
    }
}

record Book(String title, String author) {}

enum Genre { FICTION, SCIENCE }
